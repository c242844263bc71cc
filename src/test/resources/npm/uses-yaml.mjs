// An ES module of the application that imports an npm package by its bare name.
import yaml from 'js-yaml';

export const roundTrip = (text) => yaml.dump(yaml.load(text));
