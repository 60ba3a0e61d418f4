/**
 * Google API errors as the Cloud KMS REST surface returns them: an HTTP status plus the JSON body
 * `{ "error": { "code", "message", "status" } }`, where `status` is the canonical gRPC code name.
 * Messages follow the wording of the real service closely enough for client code to be tested.
 */

/** Canonical gRPC status names used by this simulator, with the HTTP status Google maps each to. */
export const GRPC_HTTP_STATUS = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  RESOURCE_EXHAUSTED: 429,
  INTERNAL: 500,
  UNIMPLEMENTED: 501,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
} as const;

export type GrpcStatusName = keyof typeof GRPC_HTTP_STATUS;

/** An error the simulator answers with instead of a result. */
export class KmsApiError extends Error {
  readonly status: GrpcStatusName;
  readonly httpStatus: number;

  constructor(status: GrpcStatusName, message: string) {
    super(message);
    this.name = 'KmsApiError';
    this.status = status;
    this.httpStatus = GRPC_HTTP_STATUS[status];
  }

  /** The response body Google sends. */
  toJSON(): { error: { code: number; message: string; status: GrpcStatusName } } {
    return { error: { code: this.httpStatus, message: this.message, status: this.status } };
  }
}
