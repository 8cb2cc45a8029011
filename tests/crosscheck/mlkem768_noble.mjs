// mlkem768_noble.mjs: ML-KEM-768 vectors from @noble/post-quantum, an
// independent implementation, for tests/unit/pqkem.c to compare against.
//   node tests/crosscheck/mlkem768_noble.mjs MODULE_DIR [COUNT] [SEED_HEX]
// MODULE_DIR is the installed @noble/post-quantum directory.  Inputs d, z,
// m come from SHAKE128(seed) (node's crypto), so a seed gives the same
// file again; without a seed it is random.  One line per case:
//   d z m sha256(ek) sha256(dk) sha256(ct) ss pos ss_rejected
// where ss_rejected is what decapsulation gives for ct with byte pos
// flipped (implicit rejection).
import { pathToFileURL } from 'node:url';
import { createHash, randomBytes } from 'node:crypto';

const [dir, countArg, seedArg] = process.argv.slice(2);
const { ml_kem768 } = await import(pathToFileURL(`${dir}/ml-kem.js`).href);
const pkg = (await import(pathToFileURL(`${dir}/package.json`).href, { with: { type: 'json' } })).default;

const count = Number(countArg || 64);
const seed = seedArg ? Buffer.from(seedArg, 'hex') : randomBytes(32);
const stream = createHash('shake128', { outputLength: 96 * count }).update(seed).digest();
const hex = (b) => Buffer.from(b).toString('hex');
const sha256 = (b) => createHash('sha256').update(b).digest('hex');

console.log(`# ML-KEM-768 from @noble/post-quantum ${pkg.version} (node ${process.version}),`);
console.log(`# tests/crosscheck/mlkem768_noble.mjs, seed ${hex(seed)}, ${count} cases:`);
console.log('# d z m sha256(ek) sha256(dk) sha256(ct) ss pos ss_rejected');
for (let i = 0; i < count; i++) {
  const d = stream.subarray(96 * i, 96 * i + 32);
  const z = stream.subarray(96 * i + 32, 96 * i + 64);
  const m = stream.subarray(96 * i + 64, 96 * i + 96);
  const { publicKey, secretKey } = ml_kem768.keygen(Buffer.concat([d, z]));
  const { cipherText, sharedSecret } = ml_kem768.encapsulate(publicKey, m);
  if (hex(ml_kem768.decapsulate(cipherText, secretKey)) !== hex(sharedSecret))
    throw new Error('noble does not round-trip');
  const pos = (d[0] * 4 + d[1]) % cipherText.length;
  const bad = Uint8Array.from(cipherText);
  bad[pos] ^= 1;
  const rejected = ml_kem768.decapsulate(bad, secretKey);
  console.log([hex(d), hex(z), hex(m), sha256(publicKey), sha256(secretKey),
    sha256(cipherText), hex(sharedSecret), pos, hex(rejected)].join(' '));
}
