// `--timeline`: how a group request ends, from Temporal's histories. Prints the last events of the group
// request workflow and of the batch workflow that finished last, in ms relative to the last device's answer,
// to see where the time between the last answer and the closed request record goes. Diagnostic only.
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const EventType = temporal.api.enums.v1.EventType;

interface TimedEvent {
  atMs: number;
  type: string;
  note: string;
}

function eventsOf(history: temporal.api.history.v1.IHistory): TimedEvent[] {
  return (history.events ?? []).map((event) => {
    const seconds = Number(event.eventTime?.seconds ?? 0);
    const nanos = event.eventTime?.nanos ?? 0;
    const type = EventType[event.eventType ?? 0]?.replace(/^EVENT_TYPE_/, '') ?? String(event.eventType);
    const note =
      event.activityTaskScheduledEventAttributes?.activityType?.name ??
      event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId ??
      event.childWorkflowExecutionCompletedEventAttributes?.workflowExecution?.workflowId ??
      event.workflowExecutionSignaledEventAttributes?.signalName ??
      '';
    return { atMs: seconds * 1000 + nanos / 1e6, type, note: note ?? '' };
  });
}

export async function printTimeline(address: string, correlationUid: string, lastAnswerMs: number, log: (line: string) => void): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const parent = eventsOf(await client.workflow.getHandle(correlationUid).fetchHistory());
    const children = parent.filter((event) => event.type === 'CHILD_WORKFLOW_EXECUTION_COMPLETED');
    const lastChild = children[children.length - 1];
    const show = (title: string, events: TimedEvent[]) => {
      log(`  ${title}:`);
      for (const event of events) log(`    ${(event.atMs - lastAnswerMs).toFixed(0).padStart(7)} ms  ${event.type} ${event.note}`);
    };
    if (lastChild) {
      const child = eventsOf(await client.workflow.getHandle(lastChild.note).fetchHistory());
      show(`last batch ${lastChild.note} (ms after the last device answer)`, child.filter((event) => event.atMs >= lastAnswerMs - 3_000));
    }
    show('group request', parent.filter((event) => event.atMs >= lastAnswerMs - 1_000));
  } finally {
    await connection.close();
  }
}
