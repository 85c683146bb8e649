/** A file to send to Bitrix: raw bytes, or base64 already (a `data:...;base64,` prefix is stripped). */
export type BitrixFileUpload = { name: string; bytes: Buffer | Uint8Array } | { name: string; base64: string };

/** `[name, base64]`, the pair every Bitrix upload format is built from (reference §2.6). */
export function toNameAndBase64(file: BitrixFileUpload): [string, string] {
  const name = file.name.trim() || 'arquivo';
  if ('bytes' in file) return [name, Buffer.from(file.bytes).toString('base64')];
  // Bitrix rejects base64 with a data-URL prefix (reference §2.6).
  return [name, file.base64.replace(/^data:[^,]*;base64,/i, '').replace(/\s+/g, '')];
}
