package org.nodeffm.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.nodeffm.JavaObject;
import org.nodeffm.JavaScriptException;
import org.nodeffm.JsFunction;
import org.nodeffm.JsObject;
import org.nodeffm.NodeRuntime;

/**
 * The README's quick start, compiled and run by {@code mvn verify}: calls blocking and
 * asynchronous, typed results, Java for JavaScript (a lambda, an allow-listed object), modules as
 * Java interfaces, and an error. Every result is checked: the run fails if one is wrong.
 */
public final class QuickStart {
  /** What a JavaScript module offers Java. */
  public interface Stats {
    /**
     * The mean of some numbers.
     *
     * @param values the numbers
     * @return their mean
     */
    double mean(List<Double> values);

    /**
     * A sentence about some numbers, later.
     *
     * @param values the numbers
     * @return the sentence, once JavaScript has written it
     */
    CompletableFuture<String> describe(List<Double> values);
  }

  /** What Java offers JavaScript: this method, and nothing else of the object. */
  public interface Prices {
    /**
     * The price of an item.
     *
     * @param item the item
     * @return its price
     */
    double priceOf(String item);
  }

  private QuickStart() {}

  /**
   * Runs the quick start.
   *
   * @param args none
   * @throws Exception if it fails
   */
  public static void main(String[] args) throws Exception {
    Path app = Files.createTempDirectory("quickstart");
    Files.writeString(
        app.resolve("stats.mjs"),
        """
        export function mean(values) {
          return values.reduce((a, b) => a + b, 0) / values.length;
        }
        export async function describe(values) {
          return `${values.length} values, mean ${mean(values)}`;
        }
        """);

    // --- The README's quick start, from here ---
    try (NodeRuntime node =
        NodeRuntime.builder()
            .baseDirectory(app) // require() and import() resolve from here
            .onUncaughtError((error, stops) -> System.err.println("uncaught: " + error))
            .start()) {

      // Call JavaScript from any thread: blocking (call) or not (callAsync).
      JsFunction greet =
          node.function("(name, options) => `Hello ${name}, you are ${options.age}`");
      String greeting = greet.call(String.class, "Ada", Map.of("age", 36));
      CompletableFuture<Object> later = greet.callAsync("Grace", Map.of("age", 45));

      // Numbers in the type you ask for (a ClassCastException if one would not fit).
      long big = node.eval(long.class, "2 ** 40");

      // Java for JavaScript: a lambda, and an object through an allow-list of its methods.
      node.expose("sha256", arguments -> sha256((String) arguments[0]));
      Prices prices = item -> item.equals("tea") ? 4.5 : 3.25;
      node.expose("prices", JavaObject.of(prices, Prices.class));
      double total = node.eval(double.class, "prices.priceOf('tea') * 2 + prices.priceOf('cake')");
      String digest = node.eval(String.class, "sha256('abc').slice(0, 12)");

      // Modules: require() a package, import() an ES module, seen as a Java interface.
      JsObject path = node.require("node:path");
      String joined = path.callMember(String.class, "join", "a", "b");
      Stats stats = node.importModule("./stats.mjs").as(Stats.class);
      double mean = stats.mean(List.of(1.0, 2.0, 6.0));
      String description = stats.describe(List.of(1.0, 2.0)).join();

      // JavaScript errors are JavaScriptExceptions, with the JavaScript stack.
      String error;
      try {
        node.eval("null.x");
        error = "none";
      } catch (JavaScriptException e) {
        error = e.name();
      }
      // --- to here ---

      check("greeting", greeting, "Hello Ada, you are 36");
      check("later", later.join(), "Hello Grace, you are 45");
      check("big", big, 1L << 40);
      check("total", total, 12.25);
      check("digest", digest, "ba7816bf8f01");
      check("joined", joined, "a/b");
      check("mean", mean, 3.0);
      check("description", description, "2 values, mean 1.5");
      check("error", error, "TypeError");
    }
    System.out.println("OK: the quick start ran as the README says.");
  }

  private static String sha256(String text) throws Exception {
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes("UTF-8"));
    return HexFormat.of().formatHex(digest);
  }

  private static void check(String what, Object actual, Object expected) {
    System.out.println("  " + what + ": " + actual);
    if (!expected.equals(actual)) {
      System.out.println("FAILED: " + what + " is " + actual + ", not " + expected);
      System.exit(1);
    }
  }
}
