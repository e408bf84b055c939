// Input a valuation cannot run on; the job platform maps its code to a permanent failure reason. (Too little data
// is the job platform's InsufficientDataError, shared by every engine.)

/** Parameters that cannot describe a valuation (unknown county or neighborhood, bad date) → `invalid_input`. */
export class InvalidValuationInputError extends Error {
  readonly code = 'invalid_input';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidValuationInputError';
  }
}
