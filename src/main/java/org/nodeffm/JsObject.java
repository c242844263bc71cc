package org.nodeffm;

import java.lang.foreign.MemorySegment;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Proxy;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.nodeffm.Helpers.Helper;
import org.nodeffm.internal.EventLoop.Work;
import org.nodeffm.internal.NapiEnv;
import org.nodeffm.internal.bindings.NodeApi;

/**
 * A JavaScript object that stays in its runtime, usable from any Java thread: what {@code require}
 * and {@code importModule} return, and how objects that are not plain data (class instances, module
 * namespaces, errors, symbols) reach Java. Passing it back to JavaScript passes the same object.
 * The object stays alive while this handle is reachable and the runtime runs.
 *
 * <p>Each operation has a blocking form and, where JavaScript may take its time, an {@code
 * ...Async} form that returns a {@link CompletableFuture} (see the package documentation). Results
 * are converted as the package's table says, or to the type a caller asks for ({@link #get(Class,
 * String)}, {@link #callMember(Class, String, Object...)}); a Promise is awaited. {@link
 * #as(Class)} sees the object as a Java interface.
 *
 * <p>Arguments are converted where the call runs, when it runs (on the calling thread for a
 * blocking method, on the event loop thread for an {@code Async} one): do not change them until it
 * has.
 */
public class JsObject extends JsReference {
  final Interop interop;
  private final boolean function;

  JsObject(Interop interop, MemorySegment reference, boolean function) {
    super(interop.loop, reference);
    this.interop = interop;
    this.function = function;
  }

  // ------------------------------------------------------------------------ properties

  /**
   * The value of property {@code name}, converted by the package's table (a Promise is awaited).
   *
   * @param name the property's name
   * @return its value
   * @throws JavaScriptException if a getter throws
   * @throws RuntimeClosedException if the runtime is closed
   */
  public Object get(String name) {
    return interop.call(getting(Object.class, name));
  }

  /**
   * The value of property {@code name} as {@code type} (a Promise is awaited).
   *
   * @param type what the caller wants: see the package documentation
   * @param name the property's name
   * @param <T> the type
   * @return its value
   * @throws ClassCastException if the value does not fit {@code type} without loss
   */
  public <T> T get(Class<T> type, String name) {
    return interop.call(getting(type, name));
  }

  /**
   * {@link #get(String)} without waiting.
   *
   * @param name the property's name
   * @return a future of its value
   */
  public CompletableFuture<Object> getAsync(String name) {
    return getAsync(Object.class, name);
  }

  /**
   * {@link #get(Class, String)} without waiting.
   *
   * @param type what the caller wants
   * @param name the property's name
   * @param <T> the type
   * @return a future of its value
   */
  public <T> CompletableFuture<T> getAsync(Class<T> type, String name) {
    return interop.loop.submit(getting(type, name));
  }

  private <T> Work<T> getting(Class<T> type, String name) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(name, "name");
    return (env, result) -> {
      interop.settle(env, env.property(valueIn(env), name), result, type);
      java.lang.ref.Reference.reachabilityFence(this);
    };
  }

  /**
   * Sets property {@code name} to {@code value} (JavaScript's {@code object[name] = value}, so a
   * setter runs, and {@code "__proto__"} sets the prototype).
   *
   * @param name the property's name
   * @param value the value, converted by the package's table
   * @throws JavaScriptException if a setter (or a Proxy's trap) throws
   */
  public void set(String name, Object value) {
    Objects.requireNonNull(name, "name");
    run(
        env -> {
          env.setProperty(valueIn(env), name, interop.values.toJs(env, value));
          return null;
        });
  }

  /**
   * Whether the object has property {@code name}, own or inherited (JavaScript's {@code name in
   * object}).
   *
   * @param name the property's name
   * @return whether it has it
   */
  public boolean has(String name) {
    Objects.requireNonNull(name, "name");
    return run(
        env -> env.boolValue(interop.helper(env, Helper.HAS, valueIn(env), env.string(name))));
  }

  /**
   * Deletes own property {@code name} (JavaScript's {@code delete object[name]}).
   *
   * @param name the property's name
   * @return false if the property could not be deleted (it is not configurable), else true
   */
  public boolean delete(String name) {
    Objects.requireNonNull(name, "name");
    return run(
        env -> env.boolValue(interop.helper(env, Helper.DELETE, valueIn(env), env.string(name))));
  }

  /**
   * The object's own enumerable string keys, in JavaScript's order ({@code Object.keys}).
   *
   * @return the keys
   */
  public List<String> keys() {
    Object keys =
        run(env -> interop.values.toJava(env, interop.helper(env, Helper.KEYS, valueIn(env))));
    return ((List<?>) keys).stream().map(String.class::cast).toList();
  }

  // ------------------------------------------------------------------------ calls

  /**
   * Calls method {@code name} with {@code this} bound to this object, and waits for its result,
   * converted by the package's table (a returned Promise is awaited).
   *
   * @param name the method's name
   * @param args the arguments, converted by the package's table
   * @return its result
   * @throws IllegalArgumentException if the object has no such method
   * @throws JavaScriptException if the method throws, or its Promise rejects
   * @throws RuntimeClosedException if the runtime is closed
   */
  public Object callMember(String name, Object... args) {
    return interop.call(member(Object.class, name, args, false));
  }

  /**
   * {@link #callMember(String, Object...)} with its result as {@code type}.
   *
   * @param type what the caller wants: see the package documentation
   * @param name the method's name
   * @param args the arguments
   * @param <T> the type
   * @return its result
   * @throws ClassCastException if the result does not fit {@code type} without loss
   */
  public <T> T callMember(Class<T> type, String name, Object... args) {
    return interop.call(member(type, name, args, false));
  }

  /**
   * {@link #callMember(String, Object...)} without waiting.
   *
   * @param name the method's name
   * @param args the arguments
   * @return a future of its result
   */
  public CompletableFuture<Object> callMemberAsync(String name, Object... args) {
    return callMemberAsync(Object.class, name, args);
  }

  /**
   * {@link #callMember(Class, String, Object...)} without waiting.
   *
   * @param type what the caller wants
   * @param name the method's name
   * @param args the arguments
   * @param <T> the type
   * @return a future of its result
   */
  public <T> CompletableFuture<T> callMemberAsync(Class<T> type, String name, Object... args) {
    return interop.loop.submit(member(type, name, args, false));
  }

  /**
   * {@code new object(...args)}: this object (a class or constructor function) instantiated.
   *
   * @param args the arguments
   * @return the new object
   * @throws JavaScriptException if this is no constructor, or it throws
   */
  public JsObject newInstance(Object... args) {
    return interop.call(constructing(args));
  }

  /**
   * {@link #newInstance} without waiting.
   *
   * @param args the arguments
   * @return a future of the new object
   */
  public CompletableFuture<JsObject> newInstanceAsync(Object... args) {
    return interop.loop.submit(constructing(args));
  }

  private Work<JsObject> constructing(Object[] args) {
    Object[] arguments = args == null ? new Object[] {null} : args;
    return (env, result) -> {
      MemorySegment[] converted = new MemorySegment[arguments.length + 1];
      converted[0] = valueIn(env);
      System.arraycopy(convert(env, arguments), 0, converted, 1, arguments.length);
      MemorySegment created = interop.helper(env, Helper.CONSTRUCT, converted);
      result.complete(interop.values.toJava(env, created, JsObject.class));
      java.lang.ref.Reference.reachabilityFence(this);
    };
  }

  // ------------------------------------------------------------------------ as Java

  /**
   * This object as {@code type}: itself if it is one; for a Java interface (other than the
   * interfaces of data, such as {@code Map} or {@code List}), a proxy whose methods call the
   * JavaScript methods of the same name (a functional interface on a function calls the function
   * itself); else the object converted by value, as {@link #get(Class, String)} would convert it
   * ({@code as(Map.class)} is a snapshot of its properties).
   *
   * <p>A proxy method that returns {@link CompletionStage} or {@link CompletableFuture} returns at
   * once with the future of the call (its type argument says what to convert the result to); other
   * methods wait, and convert the result to their return type ({@code void}: ignored). A method
   * without parameters whose JavaScript member is no function returns the member's value (a
   * getter). Default methods run as Java; {@code equals}, {@code hashCode} and {@code toString} are
   * the proxy's own. The interface must be public, and in a modular application its package
   * exported to {@code org.nodeffm}.
   *
   * @param type a Java interface, or a type values convert to
   * @param <T> the type
   * @return the object as {@code type}
   * @throws ClassCastException if the object does not convert to {@code type}
   */
  public <T> T as(Class<T> type) {
    Objects.requireNonNull(type, "type");
    if (type.isInstance(this)) {
      return type.cast(this);
    }
    if (Values.isProxied(type)) {
      return type.cast(
          Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, new Handler(type)));
    }
    return run(env -> interop.values.toJava(env, valueIn(env), type));
  }

  // ------------------------------------------------------------------------ shared

  /**
   * The work of a call of this object as a function with {@code this} undefined; see {@code
   * JsFunction}.
   */
  final <T> Work<T> applying(Class<T> type, Object[] args) {
    Objects.requireNonNull(type, "type");
    Object[] arguments = args == null ? new Object[] {null} : args;
    return (env, result) -> {
      MemorySegment self = valueIn(env);
      interop.settle(env, env.call(env.undefined(), self, convert(env, arguments)), result, type);
      java.lang.ref.Reference.reachabilityFence(this);
    };
  }

  /**
   * The work of a call of member {@code name}; with {@code getter}, a member that is no function is
   * returned.
   */
  private <T> Work<T> member(Class<T> type, String name, Object[] args, boolean getter) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(name, "name");
    Object[] arguments = args == null ? new Object[] {null} : args;
    return (env, result) -> {
      MemorySegment self = valueIn(env);
      MemorySegment method = env.property(self, name);
      if (env.typeOf(method) == NodeApi.napi_function()) {
        interop.settle(env, env.call(self, method, convert(env, arguments)), result, type);
      } else if (getter && arguments.length == 0) {
        interop.settle(env, method, result, type);
      } else {
        throw new IllegalArgumentException("the JavaScript object has no method " + name);
      }
      java.lang.ref.Reference.reachabilityFence(this);
    };
  }

  /** Runs {@code work} on the calling thread (a direct call) and returns its value. */
  private <T> T run(java.util.function.Function<NapiEnv, T> work) {
    return interop.call(
        (env, result) -> {
          result.complete(work.apply(env));
          java.lang.ref.Reference.reachabilityFence(this);
        });
  }

  MemorySegment[] convert(NapiEnv env, Object[] args) {
    MemorySegment[] converted = new MemorySegment[args.length];
    for (int i = 0; i < args.length; i++) {
      converted[i] = interop.values.toJs(env, args[i]);
    }
    return converted;
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + interop.loop + "]";
  }

  /** The calls of a proxy from {@link #as(Class)}. */
  private final class Handler implements InvocationHandler {
    private final Class<?> type;
    private final Method single;

    Handler(Class<?> type) {
      this.type = type;
      this.single = function ? singleAbstractMethod(type) : null;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      if (method.getDeclaringClass() == Object.class) {
        return switch (method.getName()) {
          case "equals" -> proxy == args[0];
          case "hashCode" -> System.identityHashCode(proxy);
          default -> type.getSimpleName() + " of " + JsObject.this;
        };
      }
      if (method.isDefault()) {
        return InvocationHandler.invokeDefault(proxy, method, args);
      }
      Object[] arguments = args == null ? new Object[0] : args;
      if (method.isVarArgs() && arguments[arguments.length - 1] instanceof Object[] rest) {
        // JavaScript gets the variable arguments as arguments, not as one array.
        Object[] spread = new Object[arguments.length - 1 + rest.length];
        System.arraycopy(arguments, 0, spread, 0, arguments.length - 1);
        System.arraycopy(rest, 0, spread, arguments.length - 1, rest.length);
        arguments = spread;
      }
      boolean asFunction = method.equals(single);
      Class<?> returns = method.getReturnType();
      if (returns == CompletionStage.class || returns == CompletableFuture.class) {
        Class<?> valueType = typeArgument(method.getGenericReturnType());
        return interop.loop.submit(work(asFunction, valueType, method.getName(), arguments));
      }
      Class<?> target = returns == void.class ? Void.class : returns;
      return interop.call(work(asFunction, target, method.getName(), arguments));
    }

    private <T> Work<T> work(boolean asFunction, Class<T> type, String name, Object[] arguments) {
      return asFunction ? applying(type, arguments) : member(type, name, arguments, true);
    }
  }

  /** The one abstract method of a functional interface, or null. */
  private static Method singleAbstractMethod(Class<?> type) {
    Method single = null;
    for (Method method : type.getMethods()) {
      if (Modifier.isAbstract(method.getModifiers()) && !isObjectMethod(method)) {
        if (single != null) {
          return null;
        }
        single = method;
      }
    }
    return single;
  }

  private static boolean isObjectMethod(Method method) {
    try {
      Object.class.getMethod(method.getName(), method.getParameterTypes());
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  /** The class of a {@code CompletionStage<X>}'s X ({@code Object} if unknown). */
  private static Class<?> typeArgument(Type type) {
    if (type instanceof ParameterizedType parameterized) {
      Type argument = parameterized.getActualTypeArguments()[0];
      if (argument instanceof WildcardType wildcard) {
        argument = wildcard.getUpperBounds()[0];
      }
      if (argument instanceof Class<?> c) {
        return c;
      }
      if (argument instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw) {
        return raw;
      }
    }
    return Object.class;
  }
}
