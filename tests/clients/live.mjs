// The docs/api.md section 17 example, run for real: graphql-ws signs in, subscribes to
// scoreChanged and prints one JSON line when connected and one per event, ending after
// COUNT events. Usage: node live.mjs ws://127.0.0.1:PORT/graphql TOKEN CYCLE COUNT
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [url, token, cycleCode, count] = process.argv.slice(2);
const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: async () => ({ authorization: `Bearer ${token}` }),
  on: { connected: () => console.log(JSON.stringify({ connected: true })) },
});

let heard = 0;
const stop = client.subscribe(
  {
    query: `subscription ScoreChanged($cycleCode: String!) {
      scoreChanged(cycleCode: $cycleCode) { employee { externalId } total band { code } }
    }`,
    variables: { cycleCode },
  },
  {
    next: (result) => {
      console.log(JSON.stringify(result));
      heard += 1;
      if (heard >= Number(count)) {
        stop();
        client.dispose();
      }
    },
    error: (error) => {
      console.log(JSON.stringify({ error: String(error?.reason ?? error) }));
      client.dispose();
      process.exitCode = 1;
    },
    complete: () => {},
  },
);
