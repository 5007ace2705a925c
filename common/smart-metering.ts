// What a smart metering request may ask for, shared by the domain's API contract and its workflows (which
// map each onto the meter's COSEM objects: workflows/smart-metering/domain/meter-model.ts).

/** Periodic reads: 15-minute interval values, daily and monthly billing values. */
export const periodTypes = ['INTERVAL', 'DAILY', 'MONTHLY'] as const;
export type PeriodType = (typeof periodTypes)[number];

/** The meter's event logs, as OSGP names them. */
export const eventLogCategories = ['STANDARD', 'FRAUD_DETECTION', 'COMMUNICATION', 'POWER_QUALITY'] as const;
export type EventLogCategory = (typeof eventLogCategories)[number];
