package org.nodeffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * A child JVM's main for {@link PortabilityIT}: started with the system's libssl and libz already
 * in the process (LD_PRELOAD), it prints their versions as the process sees them, then runs
 * node-ffm with crypto, TLS and zlib and prints what Node reports and computes. Arguments: a PEM
 * key and certificate for the TLS handshake.
 */
final class PortabilityProbe {
  private PortabilityProbe() {}

  public static void main(String[] args) throws Throwable {
    try (Arena arena = Arena.ofConfined()) {
      Linker linker = Linker.nativeLinker();
      MethodHandle openssl =
          linker.downcallHandle(
              SymbolLookup.libraryLookup("libcrypto.so.3", arena).find("OpenSSL_version").orElseThrow(),
              FunctionDescriptor.of(ADDRESS, JAVA_INT));
      MethodHandle zlib =
          linker.downcallHandle(
              SymbolLookup.libraryLookup("libz.so.1", arena).find("zlibVersion").orElseThrow(),
              FunctionDescriptor.of(ADDRESS));
      System.out.println("system.openssl=" + string((MemorySegment) openssl.invokeExact(0)));
      System.out.println("system.zlib=" + string((MemorySegment) zlib.invokeExact()));
    }
    try (NodeRuntime node = NodeRuntime.start()) {
      System.out.println("node.openssl=" + node.eval("process.versions.openssl"));
      System.out.println("node.zlib=" + node.eval("process.versions.zlib"));
      System.out.println(
          "node.sha256="
              + node.eval("require('node:crypto').createHash('sha256').update('abc').digest('hex')"));
      System.out.println(
          "node.gzip="
              + node.eval(
                  "const z = require('node:zlib'); const d = Buffer.alloc(65536, 'jvm ');"
                      + " String(z.gunzipSync(z.gzipSync(d)).equals(d))"));
      Object tls =
          node.evalAsync(
                  """
                  (async () => {
                    const tls = require('node:tls');
                    const fs = require('node:fs');
                    const key = fs.readFileSync(%s), cert = fs.readFileSync(%s);
                    const server = tls.createServer({ key, cert }, (socket) => socket.end('pong'));
                    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
                    try {
                      return await new Promise((resolve, reject) => {
                        const socket = tls.connect({ port: server.address().port, host: '127.0.0.1',
                                                     ca: cert, servername: 'localhost' });
                        let data = '';
                        socket.on('data', (chunk) => data += chunk);
                        socket.on('end', () => resolve(socket.getProtocol() + ' ' + data));
                        socket.on('error', reject);
                      });
                    } finally {
                      server.close();
                    }
                  })()"""
                      .formatted(js(args[0]), js(args[1])))
              .join();
      System.out.println("node.tls=" + tls);
    }
  }

  private static String string(MemorySegment pointer) {
    return pointer.reinterpret(1024).getString(0);
  }

  private static String js(String path) {
    return "'" + path.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}
