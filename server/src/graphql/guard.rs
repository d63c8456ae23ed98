//! What a GraphQL document may cost, judged right after parsing and before anything else
//! looks at it. async-graphql's own depth and complexity passes walk every fragment spread
//! again, so a 1 KB document whose fragments each spread the next one twice held a core for
//! minutes before being refused; and its complexity counts a list of `first: 100` like one
//! object. Here each fragment is costed once (memoised), a field's children count as many
//! times as it asks for (`first`/`last`), and the document is refused with
//! `QUERY_TOO_COMPLEX` when it is too long, too wide or too costly.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Request, ServerError, ServerResult, Variables};
// The parser's values, which may still name variables (`async_graphql::Value` cannot).
use async_graphql_value::Value;
use paraphe_shared::ErrorCode;

/// Longest document text: the app's longest operation is under 1 KB.
pub const MAX_DOCUMENT_BYTES: usize = 32 * 1024;
/// Most fragments in one document.
pub const MAX_FRAGMENTS: usize = 64;
/// Most selections (fields, aliases, spreads) side by side in one selection set.
pub const MAX_SELECTIONS_PER_SET: usize = 64;
/// Most fields a document may resolve, each field counted as many times as the lists
/// above it ask for: the app's heaviest page (the ledger, 1000 rows) stays well under.
pub const MAX_COST: u64 = 25_000;
/// A list argument larger than this costs as much as this (resolvers refuse beyond anyway).
const MAX_PAGE: u64 = 1000;

#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    TooLong(usize),
    TooManyFragments(usize),
    TooWide(usize),
    FragmentCycle,
    TooCostly(u64),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::TooLong(bytes) => write!(
                f,
                "requête trop longue ({bytes} octets, {MAX_DOCUMENT_BYTES} au plus)"
            ),
            Refusal::TooManyFragments(n) => {
                write!(f, "trop de fragments ({n}, {MAX_FRAGMENTS} au plus)")
            }
            Refusal::TooWide(n) => write!(
                f,
                "trop de champs côte à côte ({n}, {MAX_SELECTIONS_PER_SET} au plus)"
            ),
            Refusal::FragmentCycle => f.write_str("des fragments se citent en boucle"),
            Refusal::TooCostly(cost) => write!(
                f,
                "requête trop coûteuse ({cost} champs à résoudre, {MAX_COST} au plus)"
            ),
        }
    }
}

/// The cost of a parsed document: fields to resolve, lists multiplied by their size.
pub fn cost(document: &ExecutableDocument, variables: &Variables) -> Result<u64, Refusal> {
    if document.fragments.len() > MAX_FRAGMENTS {
        return Err(Refusal::TooManyFragments(document.fragments.len()));
    }
    let mut walk = Walk {
        document,
        variables,
        fragments: HashMap::new(),
        visiting: HashSet::new(),
    };
    let mut total: u64 = 0;
    for (_, operation) in document.operations.iter() {
        total = total.saturating_add(walk.set(&operation.node.selection_set.node)?);
    }
    // Fragments no operation uses are still validated: they count too.
    for name in document.fragments.keys() {
        total = total.saturating_add(walk.fragment(name)?);
    }
    if total > MAX_COST {
        return Err(Refusal::TooCostly(total));
    }
    Ok(total)
}

struct Walk<'a> {
    document: &'a ExecutableDocument,
    variables: &'a Variables,
    fragments: HashMap<&'a Name, u64>,
    visiting: HashSet<&'a Name>,
}

impl<'a> Walk<'a> {
    fn set(&mut self, set: &'a SelectionSet) -> Result<u64, Refusal> {
        if set.items.len() > MAX_SELECTIONS_PER_SET {
            return Err(Refusal::TooWide(set.items.len()));
        }
        let mut cost: u64 = 0;
        for item in &set.items {
            let item_cost = match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let children = self.set(&field.selection_set.node)?;
                    let times = ["first", "last"]
                        .iter()
                        .filter_map(|name| field.get_argument(name))
                        .map(|value| self.number(&value.node))
                        .max()
                        .unwrap_or(1);
                    children.saturating_mul(times).saturating_add(1)
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment(&spread.node.fragment_name.node)?
                }
                Selection::InlineFragment(inline) => self.set(&inline.node.selection_set.node)?,
            };
            cost = cost.saturating_add(item_cost);
        }
        Ok(cost)
    }

    fn fragment(&mut self, name: &'a Name) -> Result<u64, Refusal> {
        if let Some(cost) = self.fragments.get(name) {
            return Ok(*cost);
        }
        // Unknown fragments are for validation to report.
        let Some(definition) = self.document.fragments.get(name) else {
            return Ok(0);
        };
        if !self.visiting.insert(name) {
            return Err(Refusal::FragmentCycle);
        }
        let cost = self.set(&definition.node.selection_set.node)?;
        self.visiting.remove(name);
        self.fragments.insert(name, cost);
        Ok(cost)
    }

    /// A list size given literally or by a variable; anything else counts as one.
    fn number(&self, value: &Value) -> u64 {
        let number = match value {
            Value::Number(n) => n.as_u64(),
            Value::Variable(name) => match self.variables.get(name) {
                Some(async_graphql::Value::Number(n)) => n.as_u64(),
                _ => None,
            },
            _ => None,
        };
        number.unwrap_or(1).clamp(1, MAX_PAGE)
    }
}

/// The extension that applies [`cost`] to every document, HTTP and WebSocket alike.
pub struct DocumentGuard;

impl ExtensionFactory for DocumentGuard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(DocumentGuardExtension)
    }
}

struct DocumentGuardExtension;

fn refused(refusal: Refusal) -> ServerError {
    let mut error = ServerError::new(refusal.to_string(), None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", ErrorCode::QueryTooComplex.as_str());
    error
}

/// Judges the document when the request arrives: async-graphql's own checks right after
/// parsing (its recursion depth) already expand every spread, so the document is parsed
/// here, costed, and handed on parsed. A document that does not parse goes on, for
/// async-graphql to say where.
#[async_trait::async_trait]
impl Extension for DocumentGuardExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        if request.query.len() > MAX_DOCUMENT_BYTES {
            return Err(refused(Refusal::TooLong(request.query.len())));
        }
        let variables = request.variables.clone();
        if let Ok(document) = request.parsed_query() {
            cost(document, &variables).map_err(refused)?;
        }
        next.run(ctx, request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost_of(query: &str, variables: serde_json::Value) -> Result<u64, Refusal> {
        let document = async_graphql::parser::parse_query(query).unwrap();
        cost(&document, &Variables::from_json(variables))
    }

    /// Fragment n spreads fragment n+1 twice: 2^levels fields once expanded.
    fn fragment_bomb(levels: usize) -> String {
        let mut query = String::from("query { ...F0 }\n");
        for n in 0..levels {
            query.push_str(&format!(
                "fragment F{n} on Query {{ ...F{next} ...F{next} }}\n",
                next = n + 1
            ));
        }
        query.push_str(&format!(
            "fragment F{levels} on Query {{ currentTerms {{ cguVersion }} }}\n"
        ));
        query
    }

    #[test]
    fn a_fragment_bomb_is_refused_at_once() {
        let started = std::time::Instant::now();
        assert!(matches!(
            cost_of(&fragment_bomb(40), serde_json::json!({})),
            Err(Refusal::TooCostly(_))
        ));
        assert!(
            started.elapsed() < std::time::Duration::from_millis(100),
            "costed once per fragment"
        );
        assert!(cost_of(&fragment_bomb(3), serde_json::json!({})).is_ok());
    }

    #[test]
    fn lists_cost_their_size_times_their_content() {
        let query = "query($n: Int!) { collections(cabinetId: \"x\", first: $n) { edges { node { id title } } } }";
        assert_eq!(
            cost_of(query, serde_json::json!({ "n": 10 })),
            Ok(1 + 10 * (1 + 1 + 2))
        );
        let aliases: String = (0..40).map(|i| format!("a{i}: collections(cabinetId: \"x\", first: 100) {{ edges {{ node {{ auditTrail {{ seq at kind actor ip userAgent details hash }} }} }} }} ")).collect();
        assert!(matches!(
            cost_of(&format!("{{ {aliases} }}"), serde_json::json!({})),
            Err(Refusal::TooCostly(_))
        ));
    }

    #[test]
    fn too_wide_and_cyclic_documents_are_refused() {
        let wide: String = (0..65)
            .map(|i| format!("a{i}: currentTerms {{ cguVersion }} "))
            .collect();
        assert_eq!(
            cost_of(&format!("{{ {wide} }}"), serde_json::json!({})),
            Err(Refusal::TooWide(65))
        );
        assert_eq!(
            cost_of(
                "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
                serde_json::json!({})
            ),
            Err(Refusal::FragmentCycle)
        );
    }

    /// Every operation the app sends passes, with the largest pages it asks for.
    #[test]
    fn the_apps_own_operations_pass() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../operations/graphql");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let query = std::fs::read_to_string(&path).unwrap();
            let cost = cost_of(&query, serde_json::json!({ "first": 1000 }));
            assert!(cost.is_ok(), "{}: {cost:?}", path.display());
        }
    }
}
