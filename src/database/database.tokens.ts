/** The connection string the app was started with (embedded or DATABASE_URL). */
export const DATABASE_URL = Symbol('DATABASE_URL');
