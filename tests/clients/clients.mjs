// Node's GraphQL clients as web and mobile developers use them, against a running server:
// graphql-request and urql (@urql/core, the client under urql's React and Vue bindings;
// its graphcache, a normalised cache). Each signs in, reads "my score" in English and in
// Chinese and ingests one batch twice with one idempotency key, with the documents of
// graphql/operations as they are. Prints one JSON object of what came back; the Python
// test (tests/api/test_clients.py) checks it.
// Usage: node clients.mjs URL INTEGRATION_TOKEN CYCLE_CODE EMAIL PASSWORD
import { readFileSync } from "node:fs";
import { GraphQLClient, ClientError } from "graphql-request";
import { Client, fetchExchange, cacheExchange } from "@urql/core";
import { cacheExchange as graphcache } from "@urql/exchange-graphcache";

const [url, integrationToken, cycleCode, email, password] = process.argv.slice(2);
const operation = (name) =>
  readFileSync(new URL(`../../graphql/operations/${name}.graphql`, import.meta.url), "utf8");
const LOGIN = operation("Login");
const MY_SCORE = operation("MyScore");
const TEAM_OVERVIEW = operation("TeamOverview");
const RECORD_FEEDBACK = operation("RecordFeedback");

const batch = (client) => ({
  idempotencyKey: `node-${client}-1`,
  mode: "KEEP_VALID",
  feedback: [
    {
      rating: "5",
      channel: "PHONE_CALLBACK",
      occurredAt: "2026-11-27T16:05:00+08:00",
      source: `node-${client}`,
      employeeExternalId: "E1101",
      externalId: `${client}-1`,
      comment: "Solved on the first call",
    },
    {
      rating: "2",
      channel: "ONLINE_SURVEY",
      occurredAt: "2026-11-27T17:40:00+08:00",
      source: `node-${client}`,
      employeeExternalId: "E1101",
      externalId: `${client}-2`,
    },
  ],
});

const scoreSummary = (data) => {
  const score = data.viewer.employee.score;
  return {
    total: score.total,
    band: score.band?.code ?? null,
    explanation: score.explanation,
    line: score.lines[0].explanation,
    lines: score.lines.map((line) => line.id),
  };
};

async function withGraphqlRequest() {
  const anonymous = new GraphQLClient(url);
  const login = (await anonymous.request(LOGIN, { email, password })).login;
  const as = (token, language) =>
    new GraphQLClient(url, {
      headers: { authorization: `Bearer ${token}`, "accept-language": language },
    });
  const english = await as(login.token, "en").request(MY_SCORE, { cycleCode });
  const chinese = await as(login.token, "zh-CN,zh;q=0.9").request(MY_SCORE, { cycleCode });
  const ingest = as(integrationToken, "en");
  const first = (await ingest.request(RECORD_FEEDBACK, batch("graphql-request"))).recordFeedback;
  const again = (await ingest.request(RECORD_FEEDBACK, batch("graphql-request"))).recordFeedback;
  let refused;
  try {
    await as("fs_not-a-token", "en").request(MY_SCORE, { cycleCode });
  } catch (error) {
    refused = error instanceof ClientError
      ? { status: error.response.status, code: error.response.errors?.[0]?.extensions?.code }
      : { unexpected: String(error) };
  }
  return {
    login: login.__typename,
    english: scoreSummary(english),
    chinese: scoreSummary(chinese),
    ingest: [first, again],
    refused,
  };
}

function urqlClient(token, language, exchanges) {
  return new Client({
    url,
    exchanges,
    preferGetMethod: false,
    fetchOptions: () => ({
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        "accept-language": language,
      },
    }),
  });
}

async function withUrql() {
  const anonymous = urqlClient(null, "en", [cacheExchange, fetchExchange]);
  const signedIn = await anonymous.mutation(LOGIN, { email, password }).toPromise();
  if (signedIn.error) throw signedIn.error;
  const token = signedIn.data.login.token;
  const english = await urqlClient(token, "en", [cacheExchange, fetchExchange])
    .query(MY_SCORE, { cycleCode }).toPromise();
  const chinese = await urqlClient(token, "zh-CN", [cacheExchange, fetchExchange])
    .query(MY_SCORE, { cycleCode }).toPromise();
  const ingest = urqlClient(integrationToken, "en", [cacheExchange, fetchExchange]);
  const first = await ingest.mutation(RECORD_FEEDBACK, batch("urql")).toPromise();
  const again = await ingest.mutation(RECORD_FEEDBACK, batch("urql")).toPromise();
  for (const result of [english, chinese, first, again]) if (result.error) throw result.error;
  return {
    login: signedIn.data.login.__typename,
    english: scoreSummary(english.data),
    chinese: scoreSummary(chinese.data),
    ingest: [first.data.recordFeedback, again.data.recordFeedback],
  };
}

// "My score", then the team overview, into one normalised cache (graphcache, no
// configuration but the value objects' keys): the score read first must come back
// unchanged from the cache afterwards.
async function withGraphcache(managerEmail, managerPassword, teamCode) {
  const anonymous = urqlClient(null, "en", [cacheExchange, fetchExchange]);
  const signedIn = await anonymous
    .mutation(LOGIN, { email: managerEmail, password: managerPassword }).toPromise();
  const token = signedIn.data.login.token;
  const values = ["Band", "NextBand", "KpiSummary", "WhatItWouldTake", "TeamSummary",
    "PageInfo", "SourceCount", "BandStep", "Review", "BandCount", "TeamLineValue", "Viewer"];
  const cache = graphcache({ keys: Object.fromEntries(values.map((name) => [name, () => null])) });
  const client = urqlClient(token, "en", [cache, fetchExchange]);
  const before = await client.query(MY_SCORE, { cycleCode }).toPromise();
  const team = await client
    .query(TEAM_OVERVIEW, { teamCode, cycleCode, first: 50 }).toPromise();
  const after = await client
    .query(MY_SCORE, { cycleCode }, { requestPolicy: "cache-only" }).toPromise();
  for (const result of [before, team, after]) if (result.error) throw result.error;
  return {
    teamScores: team.data.cycle.scores.nodes.length,
    before: before.data.viewer.employee.score,
    after: after.data.viewer.employee.score,
    stale: after.stale ?? false,
  };
}

const [managerEmail, managerPassword, teamCode] = process.argv.slice(7);
const out = {
  "graphql-request": await withGraphqlRequest(),
  urql: await withUrql(),
};
if (managerEmail) out.graphcache = await withGraphcache(managerEmail, managerPassword, teamCode);
console.log(JSON.stringify(out));
