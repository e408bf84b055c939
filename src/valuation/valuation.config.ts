// Settings of the valuation engine, injected as ConfigType<typeof valuationConfig>.
import { registerAs } from '@nestjs/config';
import { loadEnv } from '../config/env.js';

export const valuationConfig = registerAs('valuation', () => {
  const env = loadEnv();
  return {
    /** Sales up to this many months before the valuation date calibrate the model. */
    lookbackMonths: env.VALUATION_LOOKBACK_MONTHS,
  };
});
