package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.IntBinaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Interfaces both ways: a JavaScript object seen as a Java interface, and a Java object that
 * JavaScript uses through an explicit allow-list of its methods, and nothing else of it.
 */
class InterfacesTest {
  /** What a JavaScript calculator offers Java. */
  public interface Calculator {
    int add(int a, int b);

    CompletableFuture<Long> slowSquare(long x);

    CompletionStage<List<Integer>> range(int n);

    String name(); // A property, not a method, in JavaScript.

    void remember(String note);

    List<String> notes();

    default int addTwice(int a, int b) {
      return add(add(a, b), b);
    }
  }

  /** What Java offers JavaScript. */
  public interface Accounts {
    long balance(String account);

    void deposit(String account, long amount);

    CompletableFuture<String> owner(String account);

    String describe(Greeter greeter);
  }

  /** An interface JavaScript implements, passed to Java. */
  public interface Greeter {
    String greet(String name);
  }

  /** Implements {@link Accounts}, and has more that JavaScript must not reach. */
  public static final class Bank implements Accounts {
    private final Map<String, Long> balances = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public long balance(String account) {
      return balances.getOrDefault(account, 0L);
    }

    @Override
    public void deposit(String account, long amount) {
      if (amount <= 0) {
        throw new IllegalArgumentException("amount must be positive, not " + amount);
      }
      balances.merge(account, amount, Long::sum);
    }

    @Override
    public CompletableFuture<String> owner(String account) {
      return CompletableFuture.supplyAsync(() -> "owner of " + account);
    }

    @Override
    public String describe(Greeter greeter) {
      return greeter.greet("bank");
    }

    public void secret() {
      throw new AssertionError("JavaScript must not call this");
    }

    public String format(long amount) {
      return amount + " EUR";
    }

    public String format(long amount, String currency) {
      return amount + " " + currency;
    }
  }

  private static NodeRuntime node;

  @BeforeAll
  static void start() {
    node = NodeRuntime.start();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void aJavaScriptObjectAsAJavaInterface() throws Exception {
    JsObject js =
        node.eval(
            JsObject.class,
            """
            ({
              name: 'js-calculator',
              memory: [],
              add(a, b) { return a + b; },
              async slowSquare(x) { return x * x; },
              range(n) { return Promise.resolve([...Array(n).keys()]); },
              remember(note) { this.memory.push(note); },
              notes() { return this.memory; },
            })\
            """);
    Calculator calculator = js.as(Calculator.class);
    assertEquals(5, calculator.add(2, 3));
    assertEquals(8, calculator.addTwice(2, 3), "a default method runs in Java");
    assertEquals(81L, calculator.slowSquare(9).get(10, TimeUnit.SECONDS));
    assertEquals(List.of(0, 1, 2), calculator.range(3).toCompletableFuture().join());
    assertEquals("js-calculator", calculator.name());
    calculator.remember("first");
    assertEquals(List.of("first"), calculator.notes());
    assertEquals(calculator, calculator);
    assertNotEquals(calculator, js.as(Calculator.class));
    assertTrue(calculator.toString().contains("Calculator"), calculator.toString());
    // Results that do not fit the declared type are clear errors.
    Calculator wrong = node.eval(JsObject.class, "({ add: () => 'x' })").as(Calculator.class);
    assertThrows(ClassCastException.class, () -> wrong.add(1, 2));
    IllegalArgumentException missing =
        assertThrows(IllegalArgumentException.class, () -> wrong.remember("x"));
    assertTrue(missing.getMessage().contains("remember"), missing.getMessage());
  }

  @Test
  void aJavaScriptFunctionAsAFunctionalInterface() {
    IntBinaryOperator max = node.function("(a, b) => Math.max(a, b)").as(IntBinaryOperator.class);
    assertEquals(7, max.applyAsInt(3, 7));
    // Results that are interfaces come as proxies too.
    Greeter greeter =
        node.function("() => ({ greet: (name) => 'hello ' + name })").call(Greeter.class);
    assertEquals("hello ada", greeter.greet("ada"));
  }

  @Test
  void aJavaObjectThroughItsInterfaceOnly() {
    Bank bank = new Bank();
    node.expose("accounts", JavaObject.of(bank, Accounts.class));
    node.eval("accounts.deposit('a-1', 40); accounts.deposit('a-1', 2)");
    assertEquals(42L, bank.balance("a-1"));
    assertEquals(42, node.eval("accounts.balance('a-1')"));
    assertEquals(
        List.of("balance", "deposit", "describe", "owner"),
        node.eval("Object.keys(accounts).sort()"));
    // Nothing else of the Java object is reachable.
    assertEquals(
        "undefined undefined undefined undefined",
        node.eval(
            "[typeof accounts.secret, typeof accounts.getClass, typeof accounts.format,"
                + " typeof accounts.balances].join(' ')"));
    assertEquals("function", node.eval("typeof accounts.balance"));
    assertEquals(
        true,
        node.eval("Object.getPrototypeOf(accounts) === Object.prototype"),
        "a plain object of functions");
    // A Java exception is a JavaScript error with the Java cause kept.
    assertEquals(
        "Error|java.lang.IllegalArgumentException: amount must be positive, not -1",
        node.eval("try { accounts.deposit('a-1', -1) } catch (e) { `${e.name}|${e.message}` }"));
    // A CompletableFuture result is a Promise; a JavaScript object argument, an interface proxy.
    assertEquals("owner of a-1", node.eval("accounts.owner('a-1')"));
    assertEquals("hi bank", node.eval("accounts.describe({ greet: (name) => 'hi ' + name })"));
    // Arguments that do not fit the parameters are clear errors in JavaScript.
    assertEquals(
        "java.lang.ClassCastException",
        node.eval("try { accounts.deposit('a-1', 1.5) } catch (e) { e.message.split(':')[0] }"));
    assertEquals(
        "Error",
        node.eval("try { accounts.balance() } catch (e) { e.name }"),
        "a wrong number of arguments");
    assertEquals(42L, bank.balance("a-1"), "nothing changed");
  }

  @Test
  void aJavaObjectThroughNamedMethods() {
    Bank bank = new Bank();
    JavaObject formatter = JavaObject.of(bank, "format");
    JsFunction use = node.function("(f) => [f.format(5), f.format(5, 'USD'), typeof f.secret]");
    assertEquals(List.of("5 EUR", "5 USD", "undefined"), use.call(formatter));
    IllegalArgumentException objectMethod =
        assertThrows(IllegalArgumentException.class, () -> JavaObject.of(bank, "getClass"));
    assertTrue(objectMethod.getMessage().contains("getClass"), objectMethod.getMessage());
    assertThrows(IllegalArgumentException.class, () -> JavaObject.of(bank, "noSuchMethod"));
    assertThrows(IllegalArgumentException.class, () -> JavaObject.of(bank));
    assertThrows(IllegalArgumentException.class, () -> JavaObject.of((Object) bank, Object.class));
  }

  @Test
  void aJavaFunctionMayReturnAJavaObject() {
    Bank bank = new Bank();
    bank.deposit("x", 3);
    node.expose("openBank", args -> JavaObject.of(bank, Accounts.class));
    assertEquals(3, node.eval("openBank().balance('x')"));
    JsObject seen = node.eval(JsObject.class, "openBank()");
    assertFalse(seen.has("secret"));
    assertInstanceOf(Map.class, node.eval("({ a: 1 })"));
    assertSame(null, node.eval("openBank().deposit('x', 1)"), "void is undefined");
    assertEquals(4L, bank.balance("x"));
  }
}
