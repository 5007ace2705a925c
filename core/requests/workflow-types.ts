// Workflows are started by their exported name, checked against the workflows module (a type-only import:
// the core never loads workflow code), so a renamed or mistyped workflow, or an input of the wrong shape,
// fails `tsc` instead of a request at run time.
import type * as workflows from '../../workflows';

type Workflows = typeof workflows;

/** The exported names of the workflow functions (queries and other exports left out). */
export type WorkflowName = {
  [K in keyof Workflows]: Workflows[K] extends (input: never) => Promise<unknown> ? K : never;
}[keyof Workflows];

export type WorkflowFunction<W extends WorkflowName> = Workflows[W];

export type WorkflowInput<W extends WorkflowName> = Workflows[W] extends (input: infer I) => Promise<unknown> ? I : never;

/** A workflow's name where an API wants it as a string (Temporal Schedules' actions), checked like a start. */
export function workflowName<W extends WorkflowName>(name: W): W {
  return name;
}
