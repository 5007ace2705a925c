// Names shared by the organisation's notification queue and its delivery workflow: the workflow's id (one
// per organisation) and the signal that wakes it. Free of Node imports, as workflow code loads it.

/** The organisation's delivery workflow: one per organisation, so its id names the organisation. */
export const organisationNotificationsWorkflowId = (organisationId: string): string => `notifications-${organisationId}`;

/** Sent (with start) when a notification was queued. */
export const notificationQueuedSignal = 'notificationQueued';
