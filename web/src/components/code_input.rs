use leptos::prelude::*;

/// The field for a 6-digit code received by SMS or email, bound to `code`; phones offer
/// the digits keyboard and the code just received.
#[component]
pub fn CodeInput(
    id: &'static str,
    code: RwSignal<String>,
    #[prop(optional)] testid: Option<&'static str>,
    /// The element that says where the code was sent.
    #[prop(optional)]
    described_by: Option<&'static str>,
    /// Refused by the browser unless it is six digits.
    #[prop(optional)]
    digits_only: bool,
) -> impl IntoView {
    view! {
        <input id=id data-testid=testid inputmode="numeric" autocomplete="one-time-code" maxlength="6"
            pattern=digits_only.then_some("[0-9]{6}") required aria-describedby=described_by
            prop:value=code on:input=move |ev| code.set(event_target_value(&ev)) />
    }
}
