// Problems an import answers with; all are 4xx except a failure of the database itself.
import { ProblemException, type FieldError } from '../../common/problem.js';

export class ImportHeaderProblem extends ProblemException {
  constructor(errors: FieldError[], where = 'The header') {
    const unknown = errors.filter((e) => e.message.startsWith('is not a known')).map((e) => e.field);
    const missing = errors.filter((e) => e.message.startsWith('is a required')).map((e) => e.field);
    const parts: string[] = [];
    if (unknown.length) parts.push(`has unknown columns: ${unknown.join(', ')}`);
    if (missing.length) parts.push(`lacks required columns: ${missing.join(', ')}`);
    const other = errors.length - unknown.length - missing.length;
    if (other > 0) parts.push(`has ${other} other problem${other > 1 ? 's' : ''} (see errors)`);
    super(400, 'import-header-invalid', 'Invalid import header', `${where} ${parts.join('; ')}.`, { errors });
  }
}

export class EmptyImportProblem extends ProblemException {
  constructor(detail: string) {
    super(400, 'import-empty', 'Empty import', detail);
  }
}

export class MalformedImportProblem extends ProblemException {
  constructor(detail: string) {
    super(400, 'import-malformed', 'Malformed import file', detail);
  }
}

export class UnsupportedImportMediaTypeProblem extends ProblemException {
  constructor(accepted: readonly string[], given: string | undefined) {
    super(
      415,
      'unsupported-media-type',
      'Unsupported Media Type',
      `This import takes the file as the raw request body with Content-Type ${accepted.join(' or ')} (UTF-8)` +
        `${given ? `; got ${given}` : '; no Content-Type was sent'}.`,
      { accepted_media_types: accepted },
    );
  }
}

export class ImportTooLargeProblem extends ProblemException {
  constructor(limitBytes: number) {
    super(
      413,
      'payload-too-large',
      'Payload Too Large',
      `The file is larger than IMPORT_MAX_BYTES (${limitBytes} bytes); split it into several imports.`,
      { limit_bytes: limitBytes },
    );
  }
}

export class ImportAbortedProblem extends ProblemException {
  constructor() {
    super(400, 'upload-aborted', 'Upload aborted', 'The upload ended before the file was complete; nothing changed.');
  }
}

export class ImportFailedProblem extends ProblemException {
  constructor() {
    super(
      500,
      'import-failed',
      'Import failed',
      'The import failed in the database and was rolled back; no data changed. Quote the request_id when reporting it.',
    );
  }
}
