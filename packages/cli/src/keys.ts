/**
 * Key services for a pipeline: the tenant keyring that `tokenize-pii` (and any plugin calling
 * `ctx.services.require('keys')`) uses, built from the policy's `keys` section: a local key file
 * (the embedded default) or a Cloud KMS key wrapping the tenant keys. The key-encryption key is
 * checked before anything is read, so a disabled, destroyed or missing key stops the run (fail closed).
 */
import { resolve } from 'node:path';
import {
  type Logger,
  type ResolvedPipeline,
  STATE_SEALER_SERVICE,
  type StateStore,
  type ValueSealer,
} from '@sluice/core';
import {
  type CloudKmsClientOptions,
  CloudKmsKeyProvider,
  createTokenizer,
  FileWrappedKeyStore,
  type KeyEncryptionKey,
  KeyUnavailableError,
  LocalKeyProvider,
  TenantKeyring,
} from '@sluice/keys';
import type { LoadedPolicy, Policy } from '@sluice/policy';
import { GoogleAuth, OAuth2Client } from 'google-auth-library';

/** Transforms that cannot run without the tenant keyring. */
const KEY_CONSUMERS = new Set(['tokenize-pii']);
/** Sources that keep content in the state store for a while (sealed with the tenant key). */
const SEALING_SOURCES = new Set(['slack']);

/** Env variable holding a fixed OAuth access token for Cloud KMS (tests, or `gcloud auth print-access-token`). */
export const KMS_ACCESS_TOKEN_ENV = 'SLUICE_KMS_ACCESS_TOKEN';

export const DEFAULT_KEK_PATH = '.sluice/kek.json';
export const DEFAULT_KEY_STORE_PATH = '.sluice/tenant-keys.json';

type KeysConfig = NonNullable<Policy['keys']>;

export interface OpenedKeyring {
  keyring: TenantKeyring;
  store: FileWrappedKeyStore;
  kek: KeyEncryptionKey;
  /** Releases the KMS client, if any. */
  close(): Promise<void>;
}

/** Client options for a `cloud-kms` keys section: endpoint override and a fixed token from the env. */
export function cloudKmsClientOptions(
  config: Extract<KeysConfig, { provider: 'cloud-kms' }>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): CloudKmsClientOptions {
  const options: CloudKmsClientOptions = {};
  if (config.apiEndpoint !== undefined) {
    // `http://127.0.0.1:PORT` (the simulator) or a bare host such as `private.kms.example.com`.
    const url = /^[a-z]+:\/\//i.test(config.apiEndpoint) ? new URL(config.apiEndpoint) : undefined;
    if (url) {
      options.apiEndpoint = url.hostname;
      options.protocol = url.protocol.replace(':', '');
      if (url.port !== '') options.port = Number(url.port);
    } else {
      options.apiEndpoint = config.apiEndpoint;
    }
  }
  const token = env[KMS_ACCESS_TOKEN_ENV];
  if (token !== undefined && token !== '') {
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: token });
    options.authClient = authClient;
  }
  // Otherwise `openKeyring` resolves Google's application default credentials.
  return options;
}

/**
 * Google's application default credentials, resolved up front: a missing credential is then one clear
 * fatal error naming the fixes, instead of a retryable KMS failure plus a stray rejection in the client.
 */
async function defaultCredentials(keyName: string): Promise<NonNullable<CloudKmsClientOptions['authClient']>> {
  try {
    return await new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] }).getClient();
  } catch (cause) {
    throw new KeyUnavailableError(
      'key_unavailable',
      keyName,
      `No Google Cloud credentials found to use ${keyName}. Fix: set GOOGLE_APPLICATION_CREDENTIALS to a service account key file, run "gcloud auth application-default login", or run on Google Cloud with an attached service account (for a private endpoint or the simulator, set ${KMS_ACCESS_TOKEN_ENV}).`,
      { cause },
    );
  }
}

/**
 * Builds the keyring the policy describes (no `keys` section: the local default) and checks its KEK.
 * Throws the provider's fatal `KeyUnavailableError` when the key cannot be used.
 */
export async function openKeyring(loaded: LoadedPolicy, logger: Logger): Promise<OpenedKeyring> {
  const config: KeysConfig = loaded.policy.keys ?? { provider: 'local' };
  const store = new FileWrappedKeyStore({ path: resolve(loaded.baseDir, config.store ?? DEFAULT_KEY_STORE_PATH) });
  let kek: KeyEncryptionKey;
  let close = async (): Promise<void> => undefined;
  if (config.provider === 'cloud-kms') {
    const clientOptions = cloudKmsClientOptions(config);
    clientOptions.authClient ??= await defaultCredentials(config.keyName);
    const provider = new CloudKmsKeyProvider({ keyName: config.keyName, clientOptions });
    kek = provider;
    close = () => provider.close();
  } else {
    kek = new LocalKeyProvider({ path: resolve(loaded.baseDir, config.path ?? DEFAULT_KEK_PATH) });
  }
  const keyring = new TenantKeyring({ kek, store });
  try {
    const status = await keyring.check();
    logger.info({ kek: status.kek, primaryVersion: status.primaryVersion }, 'key-encryption key is usable');
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  return { keyring, store, kek, close };
}

/**
 * Crypto-shreds the policy's tenant: removes every wrapped data key version of the tenant from the key
 * store, so its reversible tokens and sealed directory can never be opened again (one-way tokens stay
 * unlinkable to any new key). The KEK itself is shared by tenants and is not touched.
 */
export async function deleteTenantKeys(loaded: LoadedPolicy): Promise<{ versions: number }> {
  const config: KeysConfig = loaded.policy.keys ?? { provider: 'local' };
  const store = new FileWrappedKeyStore({ path: resolve(loaded.baseDir, config.store ?? DEFAULT_KEY_STORE_PATH) });
  const versions = (await store.get(loaded.policy.tenant)).length;
  if (versions > 0) await store.put(loaded.policy.tenant, []);
  return { versions };
}

/** Whether a pipeline needs the keyring: a transform that tokenizes, or a `keys` section in the policy. */
export function needsKeys(loaded: LoadedPolicy, resolved: ResolvedPipeline): boolean {
  return (
    loaded.policy.keys !== undefined ||
    SEALING_SOURCES.has(resolved.source.definition.type) ||
    resolved.transforms.some((t) => KEY_CONSUMERS.has(t.definition.type))
  );
}

/** Seals state values of the tenant as reversible tokens under its data key (AES-SIV). */
export function stateSealer(keyring: TenantKeyring, tenant: string): ValueSealer {
  const tokenizer = createTokenizer(keyring, { tenant, mode: 'reversible' });
  // A key failure surfaces on first use; do not let it become an unhandled rejection before that.
  tokenizer.catch(() => undefined);
  return {
    seal: async (plaintext) => (await tokenizer).tokenize('STATE', plaintext),
    open: async (sealed) => (await (await tokenizer).detokenize(sealed)).value,
  };
}

/**
 * The services the pipeline's plugins get: `{ keys: TenantKeyring }` when keys are needed, `{}`
 * otherwise. Also registers `keys.close` (a function releasing the KMS client) for the runtime.
 */
export async function createKeyServices(
  loaded: LoadedPolicy,
  _state: StateStore,
  resolved: ResolvedPipeline,
  logger: Logger,
): Promise<Record<string, unknown>> {
  if (!needsKeys(loaded, resolved)) return {};
  const opened = await openKeyring(loaded, logger);
  return {
    keys: opened.keyring,
    [STATE_SEALER_SERVICE]: stateSealer(opened.keyring, loaded.policy.tenant),
    'keys.close': opened.close,
  };
}
