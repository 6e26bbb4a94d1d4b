// PostGraphile 5 over the bench database: the open-source peer the API is measured against.
//   node server.mjs <port> <postgres url>
// PostGraphile 5.1 calls Promise.withResolvers, which arrived in Node 22; Node 20 gets it here.
if (!Promise.withResolvers) {
  Promise.withResolvers = function withResolvers() {
    let resolve, reject;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

const { createServer } = await import("node:http");
const { postgraphile } = await import("postgraphile");
const { PostGraphileAmberPreset } = await import("postgraphile/presets/amber");
const { makePgService } = await import("postgraphile/adaptors/pg");
const { grafserv } = await import("postgraphile/grafserv/node");

const [port, connectionString] = process.argv.slice(2);
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({ connectionString, schemas: ["public"], poolConfig: { max: 10 } })],
  grafserv: { port: Number(port), graphiql: false, graphqlPath: "/graphql" },
  grafast: { explain: false },
  schema: { exportSchemaSDLPath: undefined },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
// One request listener: /healthz here, everything else to grafserv (two listeners would both answer).
const graphql = serv.createHandler();
const server = createServer((req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(200).end("ok");
  } else {
    graphql(req, res);
  }
});
server.once("listening", () => console.log(`postgraphile listening on ${port}`));
server.listen(Number(port), "127.0.0.1");
const stop = () => server.close(() => pgl.release().then(() => process.exit(0)));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
