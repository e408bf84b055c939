// The county id rule (a slug, as the counties table enforces it), free of decorators so scripts and
// metric labels can share it with the DTOs (whose decorator, IsCountyId, is in validation.ts).

/** County ids are slugs (the database enforces the same pattern). */
export const COUNTY_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

const COUNTY_ID_WORDS = '1-63 lowercase letters, digits, "-" or "_", starting with a letter or digit';

/** COUNTY_ID_PATTERN in words, for messages that name the refused id first. */
export const COUNTY_ID_RULE = `must be ${COUNTY_ID_WORDS}`;

/** COUNTY_ID_PATTERN in words, for the field errors of a request. */
export const COUNTY_ID_MESSAGE = `must be a slug of ${COUNTY_ID_WORDS}`;
