//! The state every page keeps about the server, in two shapes: what it shows
//! ([`use_query`]: data, error, reload) and what the user does ([`use_actions`]:
//! a Leptos [`Action`], pending while it runs, its error, then a reload).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ApiError;

/// What a page shows from the server, loaded by [`use_query`].
pub struct Query<T: Send + Sync + 'static> {
    /// The last answer received: kept while reloading and when a reload fails.
    pub data: ReadSignal<Option<T>>,
    /// Why the last load failed, until one succeeds.
    pub error: ReadSignal<Option<ApiError>>,
    reloads: RwSignal<u32>,
}

impl<T: Send + Sync + 'static> Clone for Query<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Query<T> {}

impl<T: Send + Sync + 'static> Query<T> {
    /// Loads again (after an action, a live event).
    pub fn reload(&self) {
        self.reloads.update(|n| *n = n.wrapping_add(1));
    }
}

/// Runs `fetch` now, again whenever a signal it reads before its first `.await` changes
/// (the session's version, a route parameter), and on [`Query::reload`]. An answer that
/// arrives after a newer load started is dropped, so that a slow reply cannot overwrite a
/// fresher one.
pub fn use_query<T, Fut>(fetch: impl Fn() -> Fut + 'static) -> Query<T>
where
    T: Send + Sync + 'static,
    Fut: Future<Output = Result<T, ApiError>> + 'static,
{
    let data = RwSignal::new(None::<T>);
    let error = RwSignal::new(None::<ApiError>);
    let reloads = RwSignal::new(0u32);
    let latest = StoredValue::new(0u32);
    Effect::new(move |_| {
        reloads.track();
        let answer = fetch();
        let this_load = latest.get_value().wrapping_add(1);
        latest.set_value(this_load);
        spawn_local(async move {
            let answer = answer.await;
            if latest.try_get_value() != Some(this_load) {
                return;
            }
            match answer {
                Ok(value) => {
                    data.set(Some(value));
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    });
    Query {
        data: data.read_only(),
        error: error.read_only(),
        reloads,
    }
}

/// A user action's work: one GraphQL call or a few, failing with what the user is shown.
type Step = Pin<Box<dyn Future<Output = Result<(), ApiError>>>>;

/// A step handed to the [`Action`], which passes its input by reference: taken out once.
#[derive(Clone)]
struct StepSlot(Rc<RefCell<Option<Step>>>);

/// A page's user actions, run one at a time through one Leptos [`Action`].
pub struct Actions {
    action: Action<StepSlot, Result<(), ApiError>>,
    pending: Memo<bool>,
    outcome: MappedSignal<Option<Result<(), ApiError>>>,
}

impl Clone for Actions {
    fn clone(&self) -> Self {
        *self
    }
}

impl Copy for Actions {}

/// A page's [`Actions`]: each is run alone (one dispatched while another runs is ignored:
/// a double click sends nothing twice), then `after` runs, whether it succeeded or not
/// (typically the page's [`Query::reload`]: what failed may have changed on the server).
pub fn use_actions(after: impl Fn() + Copy + 'static) -> Actions {
    let action = Action::new_local(move |slot: &StepSlot| {
        let step = slot.0.borrow_mut().take();
        async move {
            let outcome = match step {
                Some(step) => step.await,
                None => Ok(()),
            };
            after();
            outcome
        }
    });
    Actions {
        action,
        pending: action.pending(),
        outcome: action.value(),
    }
}

impl Actions {
    /// Runs `step` unless an action is under way.
    pub fn run(&self, step: impl Future<Output = Result<(), ApiError>> + 'static) {
        if self.pending.get_untracked() {
            return;
        }
        self.action
            .dispatch_local(StepSlot(Rc::new(RefCell::new(Some(Box::pin(step))))));
    }

    /// Whether an action is under way (buttons are disabled meanwhile).
    pub fn pending(&self) -> bool {
        self.pending.get()
    }

    /// Why the last action failed; cleared when the next one starts.
    pub fn error(&self) -> Option<ApiError> {
        if self.pending() {
            return None;
        }
        self.outcome.get().and_then(Result::err)
    }
}
