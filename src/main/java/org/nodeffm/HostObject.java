package org.nodeffm;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A Java object and the methods of it that JavaScript may call: what {@link Values} knows of {@link
 * JavaObject}, which extends it. Only these methods are reachable; no other member, no class, no
 * reflection. Pure Java.
 */
abstract class HostObject {
  private static final Set<String> OBJECT_METHODS =
      Set.of("getClass", "hashCode", "equals", "toString", "notify", "notifyAll", "wait", "clone");

  private final Object target;
  private final String description;

  /** The allowed methods, by name; overloads by number of parameters, fewest first. */
  private final Map<String, List<Method>> methods;

  /** The methods of {@code api}, an interface {@code target} implements. */
  HostObject(Object target, Class<?> api) {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(api, "api");
    if (!api.isInterface()) {
      throw new IllegalArgumentException(
          api.getName() + " is not an interface: name the methods JavaScript may call instead");
    }
    if (!api.isInstance(target)) {
      throw new IllegalArgumentException(
          target.getClass().getName() + " does not implement " + api.getName());
    }
    if (!Modifier.isPublic(api.getModifiers())) {
      throw new IllegalArgumentException(api.getName() + " is not public");
    }
    this.target = target;
    this.description = api.getName();
    Map<String, List<Method>> byName = new LinkedHashMap<>();
    for (Method method : api.getMethods()) {
      if (!Modifier.isStatic(method.getModifiers())) {
        byName.computeIfAbsent(method.getName(), n -> new ArrayList<>()).add(method);
      }
    }
    this.methods = sorted(byName);
  }

  /** The public methods of {@code target}'s class named {@code names}. */
  HostObject(Object target, String... names) {
    Objects.requireNonNull(target, "target");
    if (names.length == 0) {
      throw new IllegalArgumentException("name at least one method JavaScript may call");
    }
    this.target = target;
    this.description = target.getClass().getName() + " " + Arrays.toString(names);
    Map<String, List<Method>> byName = new LinkedHashMap<>();
    for (String name : names) {
      Objects.requireNonNull(name, "name");
      if (OBJECT_METHODS.contains(name)) {
        throw new IllegalArgumentException(
            name + "() is a method of every Object: JavaScript may not call it");
      }
      List<Method> found = new ArrayList<>();
      for (Method method : target.getClass().getMethods()) {
        if (method.getName().equals(name) && !Modifier.isStatic(method.getModifiers())) {
          found.add(accessible(method));
        }
      }
      if (found.isEmpty()) {
        throw new IllegalArgumentException(
            target.getClass().getName() + " has no public method " + name);
      }
      byName.put(name, found);
    }
    this.methods = sorted(byName);
  }

  /** The names JavaScript sees, one function each. */
  final Set<String> names() {
    return methods.keySet();
  }

  /** The overloads of {@code name} that take {@code count} arguments. */
  final List<Method> overloads(String name, int count) {
    List<Method> result = new ArrayList<>();
    for (Method method : methods.getOrDefault(name, List.of())) {
      if (method.getParameterCount() == count) {
        result.add(method);
      }
    }
    if (result.isEmpty()) {
      throw new IllegalArgumentException(
          description + ": " + name + " takes no " + count + " arguments");
    }
    return result;
  }

  /** Calls {@code method} on the target; what it throws is thrown as itself. */
  final Object invoke(Method method, Object[] args) throws Exception {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof Exception exception) {
        throw exception;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw e;
    }
  }

  @Override
  public String toString() {
    return "JavaObject[" + description + "]";
  }

  private static Map<String, List<Method>> sorted(Map<String, List<Method>> byName) {
    for (List<Method> overloads : byName.values()) {
      overloads.sort(Comparator.comparingInt(Method::getParameterCount));
    }
    return Map.copyOf(byName);
  }

  /** The same method declared by a public type, so that it can be called from this module. */
  private static Method accessible(Method method) {
    if (Modifier.isPublic(method.getDeclaringClass().getModifiers())) {
      return method;
    }
    for (Class<?> type = method.getDeclaringClass(); type != null; type = type.getSuperclass()) {
      Method found = declaredByPublicType(type, method);
      if (found != null) {
        return found;
      }
    }
    throw new IllegalArgumentException(
        method + " is declared by no public class or interface: JavaScript cannot call it");
  }

  private static Method declaredByPublicType(Class<?> type, Method method) {
    if (Modifier.isPublic(type.getModifiers())) {
      try {
        return type.getMethod(method.getName(), method.getParameterTypes());
      } catch (NoSuchMethodException e) {
        // Not here.
      }
    }
    for (Class<?> api : type.getInterfaces()) {
      Method found = declaredByPublicType(api, method);
      if (found != null) {
        return found;
      }
    }
    return null;
  }
}
