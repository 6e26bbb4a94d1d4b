"""The GraphQL schema: types, inputs, result unions and the root Query and Mutation."""
