"""GraphQL documents shared by tests."""

CUSTOMER_FIELDS = """
    id name tradeName email phone phoneE164 whatsapp whatsappE164 document status originChannel version
    address { street city state country }
    owner { id email }
    tags { name }
"""

CREATE = f"""
mutation Create($input: CreateCustomerInput!) {{
  createCustomer(input: $input) {{
    __typename
    ... on CreateCustomerSuccess {{ customer {{ {CUSTOMER_FIELDS} }} }}
    ... on ValidationFailed {{ message fields {{ field code message }} }}
  }}
}}
"""

UPDATE = f"""
mutation Update($input: UpdateCustomerInput!) {{
  updateCustomer(input: $input) {{
    __typename
    ... on UpdateCustomerSuccess {{ customer {{ {CUSTOMER_FIELDS} }} }}
    ... on ValidationFailed {{ message fields {{ field code message }} }}
    ... on NotFound {{ message id }}
    ... on VersionConflict {{ message expectedVersion currentVersion }}
  }}
}}
"""

ADD_TAGS = """
mutation AddTags($input: TagsInput!) {
  addTags(input: $input) {
    __typename
    ... on TagsChanged { customer { id tags { name } } }
    ... on ValidationFailed { fields { field code } }
    ... on NotFound { message }
  }
}
"""

REMOVE_TAGS = ADD_TAGS.replace("addTags", "removeTags").replace("AddTags", "RemoveTags")

GET = f"""
query Get($id: ID!) {{ customer(id: $id) {{ {CUSTOMER_FIELDS} }} }}
"""

LIST = """
query List($first: Int, $after: String, $search: String) {
  customers(first: $first, after: $after, search: $search) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name } }
  }
}
"""
