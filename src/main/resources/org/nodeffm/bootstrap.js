// The bootstrap script of every node-ffm runtime (org.nodeffm.Interop loads it): the binding,
// require() and import() from the base directory, stdio to Java, uncaught errors to Java, and the
// helpers Java calls (binding.ready).
'use strict';
const binding = process._linkedBinding('nodeffm');
const path = require('path');
const vm = require('vm');
const { Writable } = require('stream');
const { createRequire } = require('module');
const referrer = path.join(binding.baseDirectory, '[node-ffm]');
const options = {
  filename: referrer,
  displayErrors: false,
  importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
};
globalThis.require = createRequire(referrer);

function javaStream(fd) {
  const stream = new Writable({
    decodeStrings: false,
    write(chunk, encoding, callback) {
      binding.write(fd, typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      callback();
    },
  });
  stream.fd = fd;
  stream.isTTY = false;
  return stream;
}
const stdout = javaStream(1);
const stderr = javaStream(2);
for (const [name, stream] of [['stdout', stdout], ['stderr', stderr]]) {
  Object.defineProperty(process, name, {
    configurable: true, enumerable: true, get: () => stream,
  });
}

process.on('uncaughtExceptionMonitor', (error, origin) => {
  const stops = process.listenerCount('uncaughtException') === 0 &&
                !process.hasUncaughtExceptionCaptureCallback();
  binding.uncaught(error, origin, stops);
});

// The default loader for import() in scripts is all that resolves like a file in the base
// directory; Node.js warns once, at the first import, that it is experimental: not to the
// application.
const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) => {
  if (!String(warning).includes('USE_MAIN_CONTEXT_DEFAULT_LOADER')) {
    emitWarning.call(process, warning, ...rest);
  }
};
const importModule = vm.runInThisContext('(specifier) => import(specifier)', options);
importModule('node:path').catch(() => {}); // Warns now, once (synchronously).
process.emitWarning = emitWarning;

const javaCause = Symbol('javaCause');
binding.ready({
  objectPrototype: Object.prototype,
  evaluate: (source) => vm.runInThisContext(source, options),
  importModule,
  require: globalThis.require,
  settle: (promise, id) => {
    promise.then((value) => binding.resolved(id, value),
                 (error) => binding.rejected(id, error));
  },
  attachCause: (error, cause) => Object.defineProperty(error, javaCause, { value: cause }),
  causeOf: (error) => error[javaCause],
  defineOwn: (object, key, value) => Object.defineProperty(object, key, {
    value, writable: true, enumerable: true, configurable: true,
  }),
  construct: (constructor, ...args) => Reflect.construct(constructor, args),
  has: (object, key) => Reflect.has(object, key),
  deleteProperty: (object, key) => Reflect.deleteProperty(object, key),
  keys: (object) => Object.keys(object),
  openInspector: (port) => {
    const inspector = require('inspector');
    inspector.open(port, '127.0.0.1', false);
    const url = inspector.url();
    if (url === undefined) { // Node.js printed why to stderr.
      throw new Error(`the inspector cannot listen on 127.0.0.1:${port} (is the port in use?)`);
    }
    return url;
  },
});
