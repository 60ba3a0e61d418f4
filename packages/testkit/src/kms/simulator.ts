/**
 * A Cloud KMS simulator speaking the REST (HTTP/1.1 + JSON) surface that `@google-cloud/kms` 5.x
 * uses with `fallback: true`: `GET /v1/{cryptoKey}`, `POST /v1/{cryptoKey}:encrypt|:decrypt|
 * :updatePrimaryVersion`, `GET|PATCH /v1/{cryptoKeyVersion}`, `POST /v1/{cryptoKey}/cryptoKeyVersions`,
 * `POST /v1/{cryptoKeyVersion}:destroy|:restore`, with bearer-token auth, CRC32C checks, Google's
 * JSON error bodies and `$alt=json;enum-encoding=int` honoured. The routes were taken from the
 * requests the real client sends. It binds 127.0.0.1 on an ephemeral port; keys live in memory.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32c } from './crc32c.js';
import { type GrpcStatusName, KmsApiError } from './errors.js';
import {
  isKeyName,
  KmsState,
  type KmsVersionState,
  parseVersionName,
  type SimKey,
  type SimVersion,
  VERSION_STATE_NUMBERS,
} from './model.js';

export type { KmsVersionState } from './model.js';

/** The access token the simulator accepts unless `accessTokens` says otherwise. */
export const DEFAULT_KMS_ACCESS_TOKEN = 'sluice-kms-simulator-token';

export interface KmsSimulatorOptions {
  /** Bearer tokens that authenticate and are authorized. Default: `[DEFAULT_KMS_ACCESS_TOKEN]`. */
  accessTokens?: readonly string[];
  /** Bearer tokens that authenticate but lack IAM permission on every key: 403 PERMISSION_DENIED. */
  deniedTokens?: readonly string[];
  /** Keys to create at start (each gets version 1, enabled and primary). */
  keys?: readonly string[];
}

/** A failure to answer instead of the next matching requests (for retry and fail-closed tests). */
export interface KmsInjectedFailure {
  status: GrpcStatusName;
  message?: string;
  /** Only requests of this method (e.g. `Encrypt`); default any. */
  method?: KmsMethod;
  /** How many requests fail (default 1). */
  count?: number;
}

export type KmsMethod =
  | 'GetCryptoKey'
  | 'GetCryptoKeyVersion'
  | 'CreateCryptoKeyVersion'
  | 'UpdateCryptoKeyVersion'
  | 'UpdateCryptoKeyPrimaryVersion'
  | 'DestroyCryptoKeyVersion'
  | 'RestoreCryptoKeyVersion'
  | 'Encrypt'
  | 'Decrypt';

export interface KmsSimulatorStats {
  requests: number;
  byMethod: Partial<Record<KmsMethod | 'Unknown', number>>;
  /** Error responses by gRPC status name. */
  errors: Partial<Record<GrpcStatusName, number>>;
  keys: number;
}

export interface KmsKeyInfo {
  name: string;
  primaryVersion: string;
}

export interface KmsSimulator {
  /** `http://127.0.0.1:PORT`. */
  readonly endpoint: string;
  /** Host for the client's `apiEndpoint` option: `127.0.0.1`. */
  readonly apiEndpoint: string;
  readonly port: number;
  /** A token the simulator accepts (the first of `accessTokens`). */
  readonly accessToken: string;
  /** Options for `new KeyManagementServiceClient({...})`, minus auth (add `authClient`). */
  clientOptions(): { apiEndpoint: string; port: number; protocol: 'http'; fallback: true };
  /** Creates a symmetric key whose version 1 is enabled and primary. */
  createKey(keyName: string): KmsKeyInfo;
  /** Adds a version and makes it primary, like scheduled rotation. Returns the new version name. */
  rotate(keyName: string): string;
  /** Full name of the key's primary version. */
  primaryVersion(keyName: string): string;
  versionState(versionName: string): KmsVersionState;
  disableVersion(versionName: string): void;
  enableVersion(versionName: string): void;
  /** Schedules destruction (DESTROY_SCHEDULED); with `immediate`, the version is DESTROYED at once. */
  destroyVersion(versionName: string, options?: { immediate?: boolean }): void;
  /** Fails the next matching request(s) with a Google error. */
  injectFailure(failure: KmsInjectedFailure): void;
  /**
   * Flips one bit of the ciphertext (Encrypt) or plaintext (Decrypt) in the next response(s) while
   * keeping the checksum of the original, as corruption in transit would: clients that verify
   * CRC32C notice, clients that do not are fooled.
   */
  corruptNextResponse(method: 'Encrypt' | 'Decrypt', count?: number): void;
  stats(): KmsSimulatorStats;
  close(): Promise<void>;
}

interface Route {
  method: KmsMethod;
  /** Resource name from the path. */
  name: string;
}

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Starts a simulator on 127.0.0.1 with an ephemeral port.
 *
 * @example
 * ```ts
 * const kms = await startKmsSimulator({ keys: ['projects/p/locations/global/keyRings/r/cryptoKeys/k'] });
 * const auth = new OAuth2Client();
 * auth.setCredentials({ access_token: kms.accessToken });
 * const client = new KeyManagementServiceClient({ ...kms.clientOptions(), authClient: auth });
 * await client.encrypt({ name: 'projects/p/locations/global/keyRings/r/cryptoKeys/k', plaintext: Buffer.from('x') });
 * await kms.close();
 * ```
 */
export async function startKmsSimulator(options: KmsSimulatorOptions = {}): Promise<KmsSimulator> {
  const accessTokens = new Set(options.accessTokens ?? [DEFAULT_KMS_ACCESS_TOKEN]);
  const deniedTokens = new Set(options.deniedTokens ?? []);
  const state = new KmsState();
  for (const key of options.keys ?? []) state.createKey(key);
  const failures: (KmsInjectedFailure & { count: number })[] = [];
  const corruptions = { Encrypt: 0, Decrypt: 0 };
  const stats: KmsSimulatorStats = { requests: 0, byMethod: {}, errors: {}, keys: 0 };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) send(response, 500, new KmsApiError('INTERNAL', 'Internal error.').toJSON());
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    stats.requests++;
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const enumsAsNumbers = (url.searchParams.get('$alt') ?? '').includes('enum-encoding=int');
    const route = matchRoute(request.method ?? 'GET', url.pathname);
    const methodName = route?.method ?? 'Unknown';
    stats.byMethod[methodName] = (stats.byMethod[methodName] ?? 0) + 1;
    try {
      const body = await readJson(request);
      authenticate(request, route);
      const index = failures.findIndex((f) => f.method === undefined || f.method === route?.method);
      if (index >= 0) {
        const failure = failures[index]!;
        failure.count--;
        if (failure.count <= 0) failures.splice(index, 1);
        throw new KmsApiError(failure.status, failure.message ?? `Injected ${failure.status}.`);
      }
      if (route === undefined)
        throw new KmsApiError('NOT_FOUND', `No KMS method at ${request.method} ${url.pathname}.`);
      send(response, 200, dispatch(route, body, url, enumsAsNumbers));
    } catch (error) {
      if (!(error instanceof KmsApiError)) throw error;
      stats.errors[error.status] = (stats.errors[error.status] ?? 0) + 1;
      send(response, error.httpStatus, error.toJSON());
    }
  }

  function authenticate(request: IncomingMessage, route: Route | undefined): void {
    const header = request.headers.authorization;
    if (header === undefined) {
      throw new KmsApiError(
        'UNAUTHENTICATED',
        'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      );
    }
    const token = /^Bearer (.+)$/i.exec(header)?.[1];
    if (token !== undefined && deniedTokens.has(token)) {
      throw new KmsApiError(
        'PERMISSION_DENIED',
        `Permission '${permissionFor(route?.method)}' denied on resource '${route?.name ?? ''}' (or it may not exist).`,
      );
    }
    if (token === undefined || !accessTokens.has(token)) {
      throw new KmsApiError(
        'UNAUTHENTICATED',
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      );
    }
  }

  function dispatch(route: Route, body: Record<string, unknown>, url: URL, numbers: boolean): unknown {
    switch (route.method) {
      case 'GetCryptoKey':
        return keyJson(state.key(route.name), numbers);
      case 'GetCryptoKeyVersion':
        return versionJson(state.version(route.name).version, numbers);
      case 'CreateCryptoKeyVersion':
        return versionJson(state.addVersion(state.key(route.name)), numbers);
      case 'UpdateCryptoKeyPrimaryVersion': {
        const key = state.key(route.name);
        const id = Number(body['cryptoKeyVersionId']);
        if (!Number.isInteger(id) || id < 1)
          throw new KmsApiError('INVALID_ARGUMENT', 'cryptoKeyVersionId is required.');
        state.setPrimary(key, id);
        return keyJson(key, numbers);
      }
      case 'UpdateCryptoKeyVersion': {
        const { version } = state.version(route.name);
        const mask = (url.searchParams.get('updateMask') ?? '').split(',').filter(Boolean);
        if (mask.length !== 1 || mask[0] !== 'state') {
          throw new KmsApiError('INVALID_ARGUMENT', 'The simulator supports update_mask "state" only.');
        }
        state.setState(version, parseState(body['state']));
        return versionJson(version, numbers);
      }
      case 'DestroyCryptoKeyVersion': {
        const { version } = state.version(route.name);
        state.destroy(version, false);
        return versionJson(version, numbers);
      }
      case 'RestoreCryptoKeyVersion': {
        const { version } = state.version(route.name);
        state.restore(version);
        return versionJson(version, numbers);
      }
      case 'Encrypt':
        return encrypt(route.name, body, numbers);
      case 'Decrypt':
        return decrypt(route.name, body, numbers);
    }
  }

  function encrypt(name: string, body: Record<string, unknown>, numbers: boolean): unknown {
    const versionName = parseVersionName(name);
    const key = state.key(versionName?.key ?? name);
    const version = versionName === undefined ? key.versions.get(key.primary)! : state.version(name).version;
    const plaintext = bytesField(body, 'plaintext');
    const aad = bytesField(body, 'additionalAuthenticatedData');
    verifyChecksum(body, 'plaintextCrc32c', 'plaintext_crc32c', 'plaintext', plaintext);
    verifyChecksum(
      body,
      'additionalAuthenticatedDataCrc32c',
      'additional_authenticated_data_crc32c',
      'additional_authenticated_data',
      aad,
    );
    const ciphertext = state.encrypt(key, version, plaintext, aad);
    return {
      name: version.name,
      ciphertext: maybeCorrupt('Encrypt', ciphertext).toString('base64'),
      ciphertextCrc32c: String(crc32c(ciphertext)),
      verifiedPlaintextCrc32c: body['plaintextCrc32c'] !== undefined,
      verifiedAdditionalAuthenticatedDataCrc32c: body['additionalAuthenticatedDataCrc32c'] !== undefined,
      protectionLevel: numbers ? 1 : 'SOFTWARE',
    };
  }

  function decrypt(name: string, body: Record<string, unknown>, numbers: boolean): unknown {
    if (!isKeyName(name)) throw new KmsApiError('INVALID_ARGUMENT', `Resource name [${name}] is not a CryptoKey.`);
    const key = state.key(name);
    const ciphertext = bytesField(body, 'ciphertext');
    const aad = bytesField(body, 'additionalAuthenticatedData');
    verifyChecksum(body, 'ciphertextCrc32c', 'ciphertext_crc32c', 'ciphertext', ciphertext);
    verifyChecksum(
      body,
      'additionalAuthenticatedDataCrc32c',
      'additional_authenticated_data_crc32c',
      'additional_authenticated_data',
      aad,
    );
    const { plaintext, version } = state.decrypt(key, ciphertext, aad);
    return {
      plaintext: maybeCorrupt('Decrypt', plaintext).toString('base64'),
      plaintextCrc32c: String(crc32c(plaintext)),
      usedPrimary: version.id === key.primary,
      protectionLevel: numbers ? 1 : 'SOFTWARE',
    };
  }

  function maybeCorrupt(method: 'Encrypt' | 'Decrypt', data: Buffer): Buffer {
    if (corruptions[method] === 0 || data.length === 0) return data;
    corruptions[method]--;
    const copy = Buffer.from(data);
    copy[copy.length - 1]! ^= 1;
    return copy;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const [accessToken = DEFAULT_KMS_ACCESS_TOKEN] = accessTokens;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    apiEndpoint: '127.0.0.1',
    port,
    accessToken,
    clientOptions: () => ({ apiEndpoint: '127.0.0.1', port, protocol: 'http', fallback: true }),
    createKey(keyName) {
      const key = state.createKey(keyName);
      return { name: key.name, primaryVersion: key.versions.get(key.primary)!.name };
    },
    rotate(keyName) {
      const key = state.key(keyName);
      const version = state.addVersion(key);
      state.setPrimary(key, version.id);
      return version.name;
    },
    primaryVersion: (keyName) => {
      const key = state.key(keyName);
      return key.versions.get(key.primary)!.name;
    },
    versionState: (versionName) => state.version(versionName).version.state,
    disableVersion: (versionName) => state.setState(state.version(versionName).version, 'DISABLED'),
    enableVersion: (versionName) => state.setState(state.version(versionName).version, 'ENABLED'),
    destroyVersion: (versionName, destroyOptions = {}) =>
      state.destroy(state.version(versionName).version, destroyOptions.immediate ?? false),
    injectFailure(failure) {
      failures.push({ ...failure, count: failure.count ?? 1 });
    },
    corruptNextResponse(method, count = 1) {
      corruptions[method] += count;
    },
    stats: () => ({
      requests: stats.requests,
      byMethod: { ...stats.byMethod },
      errors: { ...stats.errors },
      keys: state.keys.size,
    }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // The REST client keeps connections alive; do not wait for it to drop them.
        server.closeAllConnections();
      }),
  };
}

function matchRoute(method: string, pathname: string): Route | undefined {
  if (!pathname.startsWith('/v1/')) return undefined;
  const path = decodeURIComponent(pathname.slice(4));
  const colon = path.lastIndexOf(':');
  const verb = colon > path.lastIndexOf('/') ? path.slice(colon + 1) : undefined;
  const name = verb === undefined ? path : path.slice(0, colon);
  const isVersion = parseVersionName(name) !== undefined;
  const isKey = isKeyName(name);
  if (method === 'GET' && verb === undefined) {
    if (isKey) return { method: 'GetCryptoKey', name };
    if (isVersion) return { method: 'GetCryptoKeyVersion', name };
  }
  if (method === 'PATCH' && verb === undefined && isVersion) return { method: 'UpdateCryptoKeyVersion', name };
  if (method === 'POST') {
    if (
      verb === undefined &&
      name.endsWith('/cryptoKeyVersions') &&
      isKeyName(name.slice(0, -'/cryptoKeyVersions'.length))
    ) {
      return { method: 'CreateCryptoKeyVersion', name: name.slice(0, -'/cryptoKeyVersions'.length) };
    }
    if (verb === 'encrypt' && (isKey || isVersion)) return { method: 'Encrypt', name };
    if (verb === 'decrypt' && isKey) return { method: 'Decrypt', name };
    if (verb === 'updatePrimaryVersion' && isKey) return { method: 'UpdateCryptoKeyPrimaryVersion', name };
    if (verb === 'destroy' && isVersion) return { method: 'DestroyCryptoKeyVersion', name };
    if (verb === 'restore' && isVersion) return { method: 'RestoreCryptoKeyVersion', name };
  }
  return undefined;
}

function permissionFor(method: KmsMethod | undefined): string {
  switch (method) {
    case 'Encrypt':
      return 'cloudkms.cryptoKeyVersions.useToEncrypt';
    case 'Decrypt':
      return 'cloudkms.cryptoKeyVersions.useToDecrypt';
    case 'GetCryptoKey':
      return 'cloudkms.cryptoKeys.get';
    default:
      return 'cloudkms.cryptoKeyVersions.get';
  }
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new KmsApiError('INVALID_ARGUMENT', 'Request body too large.');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  // The REST client sends `""` as the body of an empty message (e.g. CreateCryptoKeyVersion).
  if (text === '' || text === '""') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new KmsApiError('INVALID_ARGUMENT', 'Invalid JSON payload received.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new KmsApiError('INVALID_ARGUMENT', 'Invalid JSON payload received: expected an object.');
  }
  return parsed as Record<string, unknown>;
}

function bytesField(body: Record<string, unknown>, field: string): Buffer {
  const value = body[field];
  if (value === undefined) return Buffer.alloc(0);
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) {
    throw new KmsApiError('INVALID_ARGUMENT', `Invalid value at '${field}' (TYPE_BYTES), base64 expected.`);
  }
  return Buffer.from(value, 'base64');
}

function verifyChecksum(
  body: Record<string, unknown>,
  field: string,
  protoField: string,
  dataField: string,
  data: Buffer,
): void {
  const value = body[field];
  if (value === undefined || value === null) return;
  // Int64Value wrappers arrive as a decimal string (or, from some clients, `{ "value": ... }`).
  const raw = typeof value === 'object' ? (value as { value?: unknown }).value : value;
  if (Number(raw) !== crc32c(data)) {
    throw new KmsApiError(
      'INVALID_ARGUMENT',
      `The checksum in field ${protoField} did not match the data in field ${dataField}.`,
    );
  }
}

function parseState(value: unknown): KmsVersionState {
  for (const [name, number] of Object.entries(VERSION_STATE_NUMBERS)) {
    if (value === name || value === number) return name as KmsVersionState;
  }
  throw new KmsApiError('INVALID_ARGUMENT', `Invalid value at 'crypto_key_version.state': ${JSON.stringify(value)}.`);
}

function versionJson(version: SimVersion, numbers: boolean): Record<string, unknown> {
  return {
    name: version.name,
    state: numbers ? VERSION_STATE_NUMBERS[version.state] : version.state,
    protectionLevel: numbers ? 1 : 'SOFTWARE',
    algorithm: numbers ? 1 : 'GOOGLE_SYMMETRIC_ENCRYPTION',
    createTime: version.createTime,
    generateTime: version.createTime,
    ...(version.destroyTime === undefined ? {} : { destroyTime: version.destroyTime }),
    ...(version.destroyEventTime === undefined ? {} : { destroyEventTime: version.destroyEventTime }),
  };
}

function keyJson(key: SimKey, numbers: boolean): Record<string, unknown> {
  return {
    name: key.name,
    primary: versionJson(key.versions.get(key.primary)!, numbers),
    purpose: numbers ? 1 : 'ENCRYPT_DECRYPT',
    createTime: key.createTime,
    versionTemplate: {
      protectionLevel: numbers ? 1 : 'SOFTWARE',
      algorithm: numbers ? 1 : 'GOOGLE_SYMMETRIC_ENCRYPTION',
    },
    destroyScheduledDuration: '2592000s',
  };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}
