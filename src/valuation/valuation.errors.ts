// Failures of a valuation that retrying cannot fix; the job platform maps them to permanent failure reasons.

/** Too few (or too uniform) sales to calibrate the method → failure_reason `insufficient_data`. */
export class InsufficientDataError extends Error {
  readonly code = 'insufficient_data';
  constructor(message: string) {
    super(message);
    this.name = 'InsufficientDataError';
  }
}

/** Parameters that cannot describe a valuation (unknown county or neighborhood, bad date) → `invalid_input`. */
export class InvalidValuationInputError extends Error {
  readonly code = 'invalid_input';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidValuationInputError';
  }
}
