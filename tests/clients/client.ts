// A small client written against the generated types, type-checked under `strict` by
// tests/api/test_codegen.py: what a web or mobile app does with the shipped operations.
import type {
  Channel,
  MyScoreQuery,
  MyScoreQueryVariables,
  RecordFeedbackMutation,
  RecordFeedbackMutationVariables,
  TeamOverviewQuery,
  TeamOverviewQueryVariables,
} from "./generated/graphql";

type GraphQLError = { message: string; extensions: { code: string } };
type Answer<T> = { data?: T | null; errors?: GraphQLError[] };

async function send<T, V>(url: string, token: string, query: string, variables: V): Promise<Answer<T>> {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json",
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query, variables }),
  });
  if (response.status === 401) {
    const refused = (await response.json()) as Answer<never>;
    throw new Error(`sign in again: ${refused.errors?.[0]?.extensions.code ?? "UNAUTHENTICATED"}`);
  }
  return (await response.json()) as Answer<T>;
}

// Decimals travel as strings: keep them exact, format without floats.
export function totalLine(answer: MyScoreQuery): string {
  const score = answer.viewer?.employee?.score;
  if (!score) return "no score yet";
  if (score.status !== "SCORED") return `no total: ${score.statusReason ?? "unknown"}`;
  const lines = score.lines.map((line) => `${line.id} ${line.kpi.code} ${line.scope}: ${line.contribution ?? "-"}`);
  const band = score.band ? `${score.band.code} ×${score.band.multiplier}` : "no band";
  return [`${score.total ?? "-"} (${band})`, ...lines].join("\n");
}

export async function myScore(url: string, token: string, query: string, cycleCode: string): Promise<string> {
  const variables: MyScoreQueryVariables = { cycleCode };
  const answer = await send<MyScoreQuery, MyScoreQueryVariables>(url, token, query, variables);
  return answer.data ? totalLine(answer.data) : (answer.errors ?? []).map((e) => e.extensions.code).join(", ");
}

export function teamPage(answer: TeamOverviewQuery): { next: string | null; people: string[] } {
  const scores = answer.cycle?.scores;
  const summary = answer.team?.summary; // nullable: FORBIDDEN for some readers
  const people = (scores?.nodes ?? []).map((n) => `${n.employee?.name ?? "?"}: ${n.total ?? n.statusReason ?? "-"}`);
  if (summary) people.unshift(`average ${summary.average ?? "-"} over ${summary.scored}`);
  return { next: scores?.pageInfo.hasNextPage ? scores.pageInfo.endCursor ?? null : null, people };
}

export const firstPage: TeamOverviewQueryVariables = { teamCode: "hotline", cycleCode: "2026-Q4", first: 20 };

// Errors are data: branch on __typename, every member handled.
export function ingestOutcome(result: RecordFeedbackMutation["recordFeedback"]): string {
  switch (result.__typename) {
    case "IngestReport":
      return `${result.accepted} accepted, ${result.rejected.length} rejected`;
    case "ValidationError":
      return result.issues.map((i) => `${i.row ?? "-"} ${i.field}: ${i.code}`).join("; ");
    case "BusyError":
      return `retry after ${result.retryAfterSeconds}s`;
    default:
      return result.__typename;
  }
}

const channel: Channel = "PHONE_CALLBACK";
export const oneRating: RecordFeedbackMutationVariables = {
  feedback: [
    {
      rating: "5",
      channel,
      occurredAt: "2026-11-27T10:00:00+08:00",
      source: "callback-survey",
      employeeExternalId: "E1001",
      externalId: "cb-1",
    },
  ],
  idempotencyKey: "callbacks-2026-11-27",
  mode: "KEEP_VALID",
};
