package org.nodeffm;

/**
 * A Java object that JavaScript may use through an explicit allow-list of its methods, as GraalVM's
 * {@code HostAccess} allows: JavaScript sees a plain object with one function per allowed method
 * name, and nothing else of the Java object (no fields, no other methods, no {@code getClass()}, no
 * class path). Pass it wherever a value goes ({@link NodeRuntime#expose(String, JavaObject)},
 * arguments, a {@link JavaFunction}'s result).
 *
 * <p>A call runs on the thread that runs the JavaScript calling it (the thread of a blocking call,
 * or the event loop thread): its arguments are converted to the method's parameter
 * types (as {@code JsFunction.call(Class, ...)} converts results: numbers exactly or not at all, a
 * JavaScript object to an interface as a proxy), overloads are chosen by the number of arguments,
 * then by the first whose parameters all convert; the result is converted back (a {@link
 * java.util.concurrent.CompletionStage} becomes a Promise, another {@code JavaObject} an object of
 * its own). What the method throws is thrown into JavaScript as an {@code Error} whose Java cause
 * is kept, as for a {@link JavaFunction}. The types that declare the allowed methods must be
 * public, and in a modular application their packages exported to {@code org.nodeffm}.
 */
public final class JavaObject extends HostObject {
  private JavaObject(Object target, Class<?> api) {
    super(target, api);
  }

  private JavaObject(Object target, String... methods) {
    super(target, methods);
  }

  /**
   * {@code target} as JavaScript may use it: the methods of {@code api}, a public interface it
   * implements.
   *
   * @param target the object
   * @param api the interface whose methods JavaScript may call
   * @param <T> the object's type
   * @return the allow-listed object
   * @throws IllegalArgumentException if {@code api} is not a public interface
   */
  public static <T> JavaObject of(T target, Class<? super T> api) {
    return new JavaObject(target, api);
  }

  /**
   * {@code target} as JavaScript may use it: its public methods with these names (all overloads of
   * each), declared by a public class or interface. The methods of {@code Object} are never
   * allowed.
   *
   * @param target the object
   * @param methods the names of the methods JavaScript may call
   * @return the allow-listed object
   * @throws IllegalArgumentException if a name is missing, not a public method, or one of {@code
   *     Object}'s
   */
  public static JavaObject of(Object target, String... methods) {
    return new JavaObject(target, methods);
  }
}
