// Starts GraphiQL in #graphiql. React, ReactDOM and GraphiQL are the service's own copies
// (ide/package-lock.json), so the page works without internet access.
(function () {
  "use strict";

  var DEFAULT_QUERY = [
    "# Paste a token that `make run` printed into Headers below:",
    '#   {"Authorization": "Bearer eyJhbGciOi..."}',
    "# then run with Ctrl-Enter or the play button.",
    "{",
    "  me {",
    "    role",
    "    tenantSlug",
    "  }",
    "}",
    "",
  ].join("\n");

  var root = document.getElementById("graphiql");
  var fetcher = GraphiQL.createFetcher({ url: root.dataset.endpoint });

  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      // The headers editor is open from the start: the API answers nothing useful without a token.
      defaultEditorToolsVisibility: "headers",
      isHeadersEditorEnabled: true,
      // Tokens stay out of localStorage; they are pasted again after a reload.
      shouldPersistHeaders: false,
      inputValueDeprecation: true,
    }),
  );
})();
