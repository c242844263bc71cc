package org.nodeffm.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.nodeffm.JsFunction;
import org.nodeffm.NodeRuntime;
import org.nodeffm.RuntimeClosedException;

/**
 * node-ffm as a Java project uses it: an embedded Node.js, a JavaScript function called with Java
 * values from several Java threads at once (each call a CompletableFuture of the JavaScript
 * result), a Java lambda called back from JavaScript, then the runtime closed while the threads
 * still call. Every call completes, with a value or with RuntimeClosedException; nothing hangs.
 */
public final class Demo {
  private static final int THREADS = 4;
  private static final int ORDERS_PER_THREAD = 1_000;

  private Demo() {}

  public static void main(String[] args) throws Exception {
    NodeRuntime node = NodeRuntime.start();
    System.out.println("Node.js " + node.eval("process.version") + " from " + node.libnode());

    // A Java lambda JavaScript calls (on the event loop thread).
    node.expose("discountFor", arguments -> ((String) arguments[0]).startsWith("VIP") ? 0.1 : 0.0);
    // A JavaScript function: a String and a Map in, a Map out.
    JsFunction price =
        node.function(
            """
            (customer, order) => {
              const subtotal = order.items.reduce((sum, item) => sum + item.price * item.quantity, 0);
              const total = Math.round(subtotal * (1 - discountFor(customer)) * 100) / 100;
              const digest = require('node:crypto').createHash('sha256')
                  .update(customer + JSON.stringify(order)).digest('hex').slice(0, 12);
              return { customer, items: order.items.length, total, digest };
            }\
            """);

    // 1. Four Java threads call it at once, each with its own orders; no lock, no Node thread.
    List<Thread> threads = new ArrayList<>();
    AtomicLong cents = new AtomicLong();
    for (int t = 0; t < THREADS; t++) {
      String customer = (t % 2 == 0 ? "VIP-" : "guest-") + t;
      threads.add(
          Thread.ofPlatform()
              .name("caller-" + t)
              .start(
                  () -> {
                    List<CompletableFuture<Object>> results = new ArrayList<>();
                    for (int i = 1; i <= ORDERS_PER_THREAD; i++) {
                      Map<String, Object> order =
                          Map.of(
                              "items",
                              List.of(
                                  Map.of("name", "tea", "price", 4.5, "quantity", i % 3 + 1),
                                  Map.of("name", "cake", "price", 3.25, "quantity", 1)));
                      results.add(price.callAsync(customer, order));
                    }
                    Map<?, ?> last = (Map<?, ?>) results.getLast().join();
                    for (CompletableFuture<Object> result : results) {
                      Number total = (Number) ((Map<?, ?>) result.join()).get("total");
                      cents.addAndGet(Math.round(total.doubleValue() * 100));
                    }
                    System.out.println(
                        "  "
                            + Thread.currentThread().getName()
                            + ": "
                            + results.size()
                            + " results, the last: "
                            + last);
                  }));
    }
    for (Thread thread : threads) {
      thread.join();
    }
    System.out.printf(
        "%d calls from %d threads returned; their totals add up to %.2f%n",
        THREADS * ORDERS_PER_THREAD, THREADS, cents.get() / 100.0);

    // 2. The same threads call without pause while the runtime closes under them.
    AtomicInteger values = new AtomicInteger();
    AtomicInteger closed = new AtomicInteger();
    AtomicInteger other = new AtomicInteger();
    CountDownLatch calling = new CountDownLatch(THREADS);
    threads.clear();
    for (int t = 0; t < THREADS; t++) {
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    calling.countDown();
                    while (true) {
                      CompletableFuture<Object> result =
                          price.callAsync("guest", Map.of("items", List.of()));
                      try {
                        result.get(30, TimeUnit.SECONDS);
                        values.incrementAndGet();
                      } catch (ExecutionException e) {
                        if (e.getCause() instanceof RuntimeClosedException) {
                          closed.incrementAndGet();
                          return;
                        }
                        other.incrementAndGet();
                        return;
                      } catch (InterruptedException | TimeoutException e) {
                        other.incrementAndGet();
                        return;
                      }
                    }
                  }));
    }
    calling.await();
    Thread.sleep(200);
    long start = System.nanoTime();
    node.close();
    double closeMillis = (System.nanoTime() - start) / 1e6;
    for (Thread thread : threads) {
      thread.join();
    }
    System.out.printf(
        "Node.js closed in %.1f ms while %d threads were calling: %d calls returned a value, %d"
            + " threads saw RuntimeClosedException, %d saw anything else%n",
        closeMillis, THREADS, values.get(), closed.get(), other.get());
    if (closed.get() != THREADS || other.get() != 0) {
      System.out.println("FAILED: every thread must end with RuntimeClosedException");
      System.exit(1);
    }
    System.out.println("OK: every call completed, with its value or with RuntimeClosedException.");
  }
}
