// An ES module that imports another one and a CommonJS module.
import { sum } from './sum.mjs';
import greeting from './greeting.cjs';

export const mean = (values) => sum(values) / values.length;
export const greetAll = (names) => names.map(greeting.greet);
export default 'stats';
