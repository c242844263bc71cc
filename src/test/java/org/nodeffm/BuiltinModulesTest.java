package org.nodeffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Node's built-in modules that rest on the libraries libnode links in (libnode-build/
 * DEPENDENCIES.md): each works in the embedded runtime, and each library is the version
 * node.properties pins. crypto and TLS (OpenSSL), zlib, brotli and zstd, Intl with full ICU
 * data, http and fetch (llhttp, undici), https, node:sqlite, DNS through c-ares.
 */
class BuiltinModulesTest {
  private static NodeRuntime node;

  @BeforeAll
  static void start() {
    node = NodeRuntime.start();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static Object await(String script) throws Exception {
    return node.evalAsync(script).get(60, TimeUnit.SECONDS);
  }

  /** process.versions names each library: it must be the version the build pinned. */
  @Test
  void theLinkedLibrariesAreThePinnedVersions() throws IOException {
    Properties build = new Properties();
    try (InputStream in =
        Files.newInputStream(Scripts.repo().resolve("libnode-build/node.properties"))) {
      build.load(in);
    }
    String line = build.getProperty("node.line");
    String deps = build.getProperty("line." + line + ".deps", "");
    // node.properties' name of a dependency -> its key in process.versions.
    Map<String, String> keys =
        Map.ofEntries(
            Map.entry("zlib", "zlib"),
            Map.entry("brotli", "brotli"),
            Map.entry("zstd", "zstd"),
            Map.entry("cares", "ares"),
            Map.entry("nghttp2", "nghttp2"),
            Map.entry("openssl", "openssl"),
            Map.entry("sqlite", "sqlite"),
            Map.entry("ada", "ada"),
            Map.entry("simdutf", "simdutf"),
            Map.entry("simdjson", "simdjson"),
            Map.entry("llhttp", "llhttp"),
            Map.entry("icu", "icu"));
    assertTrue(
        deps.isBlank() || deps.split(" ").length == keys.size(),
        "a dependency of line " + line + " has no process.versions key here: " + deps);
    StringBuilder wrong = new StringBuilder();
    for (String dep : deps.isBlank() ? new String[0] : deps.split(" ")) {
      String key = keys.get(dep);
      String expected = build.getProperty("dep." + dep + ".version");
      String actual = node.eval(String.class, "process.versions['" + key + "']");
      if (!expected.equals(actual)) {
        wrong.append(String.format("%s: process.versions.%s is %s, node.properties pins %s%n",
            dep, key, actual, expected));
      }
    }
    assertEquals("", wrong.toString());
  }

  @Test
  void cryptoHashesSignsAndEncrypts() throws Exception {
    assertEquals(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        node.eval("require('node:crypto').createHash('sha256').update('abc').digest('hex')"));
    assertEquals(
        "ok",
        await(
            """
            (() => {
              const crypto = require('node:crypto');
              const { publicKey, privateKey } =
                  crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
              const signature = crypto.sign('sha256', Buffer.from('node-ffm'), privateKey);
              if (!crypto.verify('sha256', Buffer.from('node-ffm'), publicKey, signature)) {
                return 'verify failed';
              }
              const key = crypto.randomBytes(32), iv = crypto.randomBytes(12);
              const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
              const sealed = Buffer.concat([cipher.update('secret'), cipher.final()]);
              const decipher = crypto.createDecipheriv('aes-256-gcm', key, iv);
              decipher.setAuthTag(cipher.getAuthTag());
              const opened = Buffer.concat([decipher.update(sealed), decipher.final()]).toString();
              if (opened !== 'secret') return 'gcm round trip gave ' + opened;
              const derived = crypto.pbkdf2Sync('password', 'salt', 1, 20, 'sha1').toString('hex');
              // RFC 6070's first test vector.
              return derived === '0c60c80f961f0e71f3a9b524af6012062fe037a6' ? 'ok' : derived;
            })()"""));
  }

  @Test
  void tlsAndHttpsWithACertificateOfThisTest(@TempDir Path dir) throws Exception {
    Path key = dir.resolve("key.pem");
    Path cert = dir.resolve("cert.pem");
    Scripts.Result openssl =
        Scripts.run(
            List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(), "-out",
                cert.toString(), "-subj", "/CN=localhost", "-days", "2", "-addext",
                "subjectAltName=DNS:localhost,IP:127.0.0.1"),
            60);
    assertEquals(0, openssl.exitCode(), "the host's openssl made no certificate:\n" + openssl.output());
    Object result =
        await(
            """
            (async () => {
              const https = require('node:https');
              const fs = require('node:fs');
              const key = fs.readFileSync(%s), cert = fs.readFileSync(%s);
              const server = https.createServer({ key, cert }, (req, res) => {
                res.end('hello over ' + req.socket.getProtocol());
              });
              await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
              try {
                return await new Promise((resolve, reject) => {
                  https.get({ host: '127.0.0.1', port: server.address().port, ca: cert,
                              servername: 'localhost' }, (res) => {
                    let body = '';
                    res.on('data', (chunk) => body += chunk);
                    res.on('end', () => resolve(body));
                  }).on('error', reject);
                });
              } finally {
                server.close();
              }
            })()"""
                .formatted(jsString(key), jsString(cert)));
    assertEquals("hello over TLSv1.3", result);
  }

  @Test
  void zlibBrotliAndZstdRoundTrip() throws Exception {
    assertEquals(
        "gzip 100000, deflate 100000, brotli hello brotli, zstd hello zstd",
        await(
            """
            (() => {
              const zlib = require('node:zlib');
              const data = Buffer.alloc(100000, 'node-ffm ');
              const gzip = zlib.gunzipSync(zlib.gzipSync(data));
              const deflate = zlib.inflateRawSync(zlib.deflateRawSync(data, { level: 9 }));
              const brotli = zlib.brotliDecompressSync(zlib.brotliCompressSync('hello brotli'));
              const zstd = zlib.zstdDecompressSync(zlib.zstdCompressSync('hello zstd'));
              if (!gzip.equals(data) || !deflate.equals(data)) return 'data differs';
              return `gzip ${gzip.length}, deflate ${deflate.length}, brotli ${brotli}, zstd ${zstd}`;
            })()"""));
  }

  /** Full ICU data: other locales than English format as they should (small ICU would not). */
  @Test
  void intlHasEveryLocale() throws Exception {
    assertEquals(
        "März | 3月 | 12,34,567.8 | 1.234.567,8 | 05:30",
        await(
            """
            (() => {
              const date = new Date(Date.UTC(2024, 2, 1));
              const month = (locale) =>
                  new Intl.DateTimeFormat(locale, { month: 'long', timeZone: 'UTC' }).format(date);
              return [
                month('de-DE'),
                month('ja-JP'),
                new Intl.NumberFormat('hi-IN').format(1234567.8),
                new Intl.NumberFormat('de-DE').format(1234567.8),
                new Intl.DateTimeFormat('en-GB', {
                  timeZone: 'Asia/Kolkata', hour: '2-digit', minute: '2-digit',
                }).format(date),
              ].join(' | ');
            })()"""));
  }

  @Test
  void httpServerWithFetchAndHttpGet() throws Exception {
    assertEquals(
        "fetch: {\"path\":\"/fetch\",\"method\":\"POST\",\"body\":\"ping\"} | get: /get",
        await(
            """
            (async () => {
              const http = require('node:http');
              const server = http.createServer((req, res) => {
                let body = '';
                req.on('data', (chunk) => body += chunk);
                req.on('end', () => {
                  res.setHeader('content-type', 'application/json');
                  res.end(JSON.stringify({ path: req.url, method: req.method, body }));
                });
              });
              await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
              const base = `http://127.0.0.1:${server.address().port}`;
              try {
                const fetched = await fetch(base + '/fetch', { method: 'POST', body: 'ping' });
                const viaGet = await new Promise((resolve, reject) => {
                  http.get(base + '/get', (res) => {
                    let body = '';
                    res.on('data', (chunk) => body += chunk);
                    res.on('end', () => resolve(JSON.parse(body).path));
                  }).on('error', reject);
                });
                return `fetch: ${JSON.stringify(await fetched.json())} | get: ${viaGet}`;
              } finally {
                server.close();
              }
            })()"""));
  }

  @Test
  void sqliteWithFullTextSearchAndSessions() throws Exception {
    assertEquals(
        "rows 2, fts hello world, sqrt 4, changeset applied 2",
        await(
            """
            (() => {
              const { DatabaseSync } = require('node:sqlite');
              const db = new DatabaseSync(':memory:');
              db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, text TEXT)');
              const session = db.createSession();
              const insert = db.prepare('INSERT INTO t (text) VALUES (?)');
              insert.run('hello world');
              insert.run('goodbye');
              const rows = db.prepare('SELECT count(*) AS n FROM t').get().n;
              db.exec("CREATE VIRTUAL TABLE f USING fts5(body); INSERT INTO f VALUES ('hello world')");
              const fts = db.prepare("SELECT body FROM f WHERE f MATCH 'hello'").get().body;
              const sqrt = db.prepare('SELECT sqrt(16) AS r').get().r;
              const copy = new DatabaseSync(':memory:');
              copy.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, text TEXT)');
              copy.applyChangeset(session.changeset());
              const applied = copy.prepare('SELECT count(*) AS n FROM t').get().n;
              return `rows ${rows}, fts ${fts}, sqrt ${sqrt}, changeset applied ${applied}`;
            })()"""));
  }

  /** dns.Resolver is c-ares: it asks a DNS server of this test (a UDP socket in the runtime). */
  @Test
  void dnsResolverThroughCares() throws Exception {
    assertEquals(
        "192.0.2.7",
        await(
            """
            (async () => {
              const dgram = require('node:dgram');
              const dns = require('node:dns');
              const server = dgram.createSocket('udp4');
              server.on('message', (query, peer) => {
                // Answer the question with one A record: header, question, answer.
                const header = Buffer.from(query.subarray(0, 12));
                header.writeUInt16BE(0x8180, 2);  // a response, recursion available, no error
                header.writeUInt16BE(1, 6);       // one answer
                header.writeUInt16BE(0, 8);
                header.writeUInt16BE(0, 10);
                const question = query.subarray(12);
                const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7]);
                server.send(Buffer.concat([header, question, answer]), peer.port, peer.address);
              });
              await new Promise((resolve) => server.bind(0, '127.0.0.1', resolve));
              try {
                const resolver = new dns.promises.Resolver({ timeout: 2000, tries: 1 });
                resolver.setServers([`127.0.0.1:${server.address().port}`]);
                return (await resolver.resolve4('node-ffm.test')).join(',');
              } finally {
                server.close();
              }
            })()"""));
  }

  private static String jsString(Path path) {
    return "'" + path.toAbsolutePath().toString().replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}
