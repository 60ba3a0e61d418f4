/**
 * CRC32C (Castagnoli), the checksum Cloud KMS uses for end-to-end integrity of request and response
 * fields (`plaintextCrc32c`, `ciphertextCrc32c`, ...). Node 20 has no built-in CRC32C (`zlib.crc32`
 * is plain CRC32 and arrived in Node 22), so this is the small table-driven reference algorithm.
 */

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC32C of `data` as an unsigned 32-bit integer. */
export function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
