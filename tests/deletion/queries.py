"""GraphQL documents of the deletion tests."""

COUNTS = "notes tasks conversations messages appointments purchases contracts historyEntries portfolioLinks teamLinks tags records { table count }"

IMPACT = f"""
query Impact($ids: [ID!]!) {{
  customerDeletionImpact(ids: $ids) {{
    __typename
    ... on DeletionImpact {{
      blocked
      total {{ {COUNTS} }}
      customers {{ customerId billingChildIds counts {{ {COUNTS} }} }}
    }}
    ... on NotFound {{ id }}
    ... on ValidationFailed {{ fields {{ field code }} }}
  }}
}}
"""

REQUEST = """
mutation Request($ids: [ID!]!) {
  requestCustomerDeletion(input: {customerIds: $ids}) {
    __typename
    ... on DeletionRequested { requestId expiresAt customerCount }
    ... on BlockedByBillingChildren { blocked { customerId childIds } }
    ... on NotFound { id }
    ... on ValidationFailed { fields { field code } }
  }
}
"""

CONFIRM = """
mutation Confirm($requestId: ID!, $code: String!) {
  confirmCustomerDeletion(input: {requestId: $requestId, code: $code}) {
    __typename
    ... on CustomersDeleted { deletedIds purgeAfter }
    ... on WrongConfirmationCode { triesLeft }
    ... on BlockedByBillingChildren { blocked { customerId childIds } }
    ... on NotFound { id }
  }
}
"""

RESTORE = """
mutation Restore($id: ID!) {
  restoreCustomer(input: {id: $id}) {
    __typename
    ... on CustomerRestored { customer { id name phone } }
    ... on ContactValueTaken { field value holderId }
    ... on NotFound { id }
  }
}
"""

EXPORT = """
query Export($id: ID!) {
  customerDataExport(id: $id) {
    __typename
    ... on CustomerDataExport { customerId document }
    ... on NotFound { id }
  }
}
"""
