import { expect, test } from 'vitest';
import { parseAnnotations } from '../../src/cli/cosign-trust-options.js';

test('-a k=v: comma lists and repeats; __proto__ is a key to check, never dropped', () => {
  expect({ ...parseAnnotations(['team=blue,tier=1', 'env=prod']) }).toEqual({
    team: 'blue',
    tier: '1',
    env: 'prod',
  });
  const proto = parseAnnotations(['__proto__=x']);
  expect(Object.keys(proto)).toEqual(['__proto__']);
  expect(Object.entries(proto)).toEqual([['__proto__', 'x']]);
  expect(() => parseAnnotations(['a=b=c'])).toThrow(/one "="/);
});
