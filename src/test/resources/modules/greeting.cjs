// A CommonJS module that requires a relative one.
const { shout } = require('./shout.cjs');
exports.greet = (name) => shout(`hello ${name}`);
