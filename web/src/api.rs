//! The GraphQL client: the typed operations of `paraphe-operations` (one `.graphql` file
//! per operation in `operations/graphql/`), sent as JSON with the session cookie, and
//! errors reduced to their stable code.

use paraphe_shared::ErrorCode;

pub use paraphe_operations::*;

/// A failed operation: the server's code and message, or no answer at all (`network`).
/// The words a person reads come from the code (`text::error`), in their language.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub network: bool,
}

impl ApiError {
    fn network(detail: impl std::fmt::Display) -> Self {
        ApiError {
            code: ErrorCode::Internal,
            message: detail.to_string(),
            network: true,
        }
    }

    pub fn is_unauthenticated(&self) -> bool {
        self.code == ErrorCode::Unauthenticated
    }
}

pub fn first_error(errors: &[graphql_client::Error]) -> Option<ApiError> {
    let error = errors.first()?;
    let code = error
        .extensions
        .as_ref()
        .and_then(|ext| ext.get("code"))
        .and_then(|code| code.as_str())
        .and_then(|code| code.parse().ok())
        .unwrap_or(ErrorCode::Internal);
    Some(ApiError {
        code,
        message: error.message.clone(),
        network: false,
    })
}

/// Runs one operation against `/graphql`.
pub async fn run<Q: GraphQLQuery>(variables: Q::Variables) -> Result<Q::ResponseData, ApiError> {
    let body = Q::build_query(variables);
    let response = gloo_net::http::Request::post("/graphql")
        .json(&body)
        .map_err(ApiError::network)?
        .send()
        .await
        .map_err(ApiError::network)?;
    // Errors first, data only without them: beside an error, async-graphql answers the
    // fields that did not fail and leaves out the others, which the typed data cannot hold.
    let parsed: Response<serde_json::Value> = response.json().await.map_err(ApiError::network)?;
    if let Some(error) = parsed.errors.as_deref().and_then(first_error) {
        return Err(error);
    }
    let data = parsed
        .data
        .ok_or_else(|| ApiError::network("empty answer"))?;
    serde_json::from_value(data).map_err(ApiError::network)
}

/// Sends a file as a GraphQL multipart request (`variables.file` is the upload): the
/// app's only non-JSON request, hence the CSRF header. `progress` follows the bytes sent,
/// in percent, while the upload lasts.
pub async fn upload(
    query: &str,
    variables: serde_json::Value,
    file: web_sys::File,
    progress: Option<leptos::prelude::RwSignal<Option<u32>>>,
) -> Result<(), ApiError> {
    multipart(query, variables, file, progress)
        .await
        .map(|_| ())
}

/// [`upload`] for one of the typed operations (its `$file: Upload!` is the file), with
/// its answer.
pub async fn upload_operation<Q: GraphQLQuery>(
    variables: Q::Variables,
    file: web_sys::File,
    progress: Option<leptos::prelude::RwSignal<Option<u32>>>,
) -> Result<Q::ResponseData, ApiError> {
    let body = Q::build_query(variables);
    let variables = serde_json::to_value(&body.variables).map_err(ApiError::network)?;
    let data = multipart(body.query, variables, file, progress).await?;
    serde_json::from_value(data).map_err(ApiError::network)
}

/// The multipart request itself; its `data`, or its first error.
async fn multipart(
    query: &str,
    mut variables: serde_json::Value,
    file: web_sys::File,
    progress: Option<leptos::prelude::RwSignal<Option<u32>>>,
) -> Result<serde_json::Value, ApiError> {
    use leptos::prelude::Set;
    use wasm_bindgen::{closure::Closure, JsCast};
    let network = |e: &dyn std::fmt::Debug| ApiError::network(format!("{e:?}"));
    variables["file"] = serde_json::Value::Null;
    let operations = serde_json::json!({ "query": query, "variables": variables });
    let form = web_sys::FormData::new().map_err(|e| network(&e))?;
    form.append_with_str("operations", &operations.to_string())
        .map_err(|e| network(&e))?;
    form.append_with_str("map", r#"{"0": ["variables.file"]}"#)
        .map_err(|e| network(&e))?;
    form.append_with_blob_and_filename("0", &file, &file.name())
        .map_err(|e| network(&e))?;
    // XMLHttpRequest rather than fetch: only it reports upload progress.
    let xhr = web_sys::XmlHttpRequest::new().map_err(|e| network(&e))?;
    xhr.open("POST", "/graphql").map_err(|e| network(&e))?;
    xhr.set_request_header("x-paraphe-csrf", "1")
        .map_err(|e| network(&e))?;
    let on_progress =
        Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |event: web_sys::ProgressEvent| {
            if let (Some(progress), true) = (progress, event.length_computable()) {
                progress.set(Some(
                    (event.loaded() / event.total().max(1.0) * 100.0) as u32,
                ));
            }
        });
    xhr.upload()
        .map_err(|e| network(&e))?
        .set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    let done = js_sys::Promise::new(&mut |resolve, reject| {
        xhr.set_onload(Some(&resolve));
        xhr.set_onerror(Some(&reject));
    });
    xhr.send_with_opt_form_data(Some(&form))
        .map_err(|e| network(&e))?;
    let finished = wasm_bindgen_futures::JsFuture::from(done).await;
    if let Some(progress) = progress {
        progress.set(None);
    }
    drop(on_progress);
    finished.map_err(|e| network(&e))?;
    let text = xhr
        .response_text()
        .map_err(|e| network(&e))?
        .unwrap_or_default();
    let mut body: serde_json::Value = serde_json::from_str(&text).map_err(|e| network(&e))?;
    if let Some(errors) = body.get("errors") {
        let errors: Vec<graphql_client::Error> =
            serde_json::from_value(errors.clone()).unwrap_or_default();
        if let Some(error) = first_error(&errors) {
            return Err(error);
        }
    }
    Ok(body["data"].take())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_beside_partial_data_is_read_as_its_code() {
        // What async-graphql answers when one field of several fails.
        let body = r#"{"data":{"credit":{"balanceCents":10000}},"errors":[{"message":"fermé","path":["collections"],"extensions":{"code":"CABINET_NOT_OPEN"}}]}"#;
        let parsed: Response<serde_json::Value> = serde_json::from_str(body).unwrap();
        assert_eq!(
            first_error(parsed.errors.as_deref().unwrap()).unwrap().code,
            ErrorCode::CabinetNotOpen
        );
    }

    #[test]
    fn the_error_code_comes_from_the_extensions() {
        let errors: Vec<graphql_client::Error> = serde_json::from_value(serde_json::json!([
            { "message": "non", "extensions": { "code": "CABINET_NOT_OPEN" } }
        ]))
        .unwrap();
        assert_eq!(
            first_error(&errors).unwrap().code,
            ErrorCode::CabinetNotOpen
        );
        let uncoded: Vec<graphql_client::Error> =
            serde_json::from_value(serde_json::json!([{ "message": "?" }])).unwrap();
        assert_eq!(first_error(&uncoded).unwrap().code, ErrorCode::Internal);
    }
}
