//! The full-screen reader of a document's pages on a phone: the server renders each page
//! as a picture (150 dpi: sharp at twice the phone's width), the reader shows one page the
//! width of the screen, with page count and position, zoom by pinch or buttons (up to
//! 4×), and the keyboard (arrows, + and -, Escape). Pictures rather than pdf.js: the
//! first load stays small and any phone draws them (BENCHMARKS.md).

use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::i18n::*;

const MIN_ZOOM: f64 = 1.0;
const MAX_ZOOM: f64 = 4.0;
const ZOOM_STEP: f64 = 1.5;

/// A document as the reader shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReaderDocument {
    pub name: String,
    pub pages: i64,
    /// The document's URL; its pages are at `{url}/pages/{n}.png`.
    pub url: String,
}

fn touch_distance(event: &web_sys::TouchEvent) -> Option<f64> {
    let touches = event.touches();
    let (a, b) = (touches.get(0)?, touches.get(1)?);
    let (dx, dy) = (
        f64::from(a.client_x() - b.client_x()),
        f64::from(a.client_y() - b.client_y()),
    );
    Some((dx * dx + dy * dy).sqrt())
}

/// `document` full screen from `page`, one page at a time; `on_close` when it is closed.
#[component]
pub fn Reader(document: ReaderDocument, page: i64, on_close: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let pages = document.pages.max(1);
    let page = RwSignal::new(page.clamp(1, pages));
    let zoom = RwSignal::new(MIN_ZOOM);
    // Distance between two fingers and the zoom when the pinch began.
    let pinch = StoredValue::new(None::<(f64, f64)>);
    let dialog: NodeRef<html::Div> = NodeRef::new();
    // What had the focus (the button that opened the reader) gets it back on closing.
    let opener = StoredValue::new_local(
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element()),
    );

    let set_zoom = move |value: f64| zoom.set(value.clamp(MIN_ZOOM, MAX_ZOOM));
    let go = move |to: i64| {
        page.set(to.clamp(1, pages));
        zoom.set(MIN_ZOOM);
    };
    let close = move || {
        if let Some(opener) = opener
            .with_value(|o| o.clone())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = opener.focus();
        }
        on_close.run(());
    };
    // The focus moves into the reader when it opens.
    Effect::new(move |_| {
        if let Some(dialog) = dialog.get() {
            let _ = dialog.focus();
        }
    });

    let on_key = move |event: ev::KeyboardEvent| {
        let handled = match event.key().as_str() {
            "Escape" => {
                close();
                true
            }
            "ArrowRight" | "PageDown" => {
                go(page.get_untracked() + 1);
                true
            }
            "ArrowLeft" | "PageUp" => {
                go(page.get_untracked() - 1);
                true
            }
            "+" | "=" => {
                set_zoom(zoom.get_untracked() * ZOOM_STEP);
                true
            }
            "-" => {
                set_zoom(zoom.get_untracked() / ZOOM_STEP);
                true
            }
            _ => false,
        };
        if handled {
            event.prevent_default();
        }
    };
    let on_touch_start = move |event: ev::TouchEvent| {
        if let Some(distance) = touch_distance(&event) {
            pinch.set_value(Some((distance, zoom.get_untracked())));
        }
    };
    let on_touch_move = move |event: ev::TouchEvent| {
        if let (Some((start, from)), Some(distance)) = (pinch.get_value(), touch_distance(&event)) {
            event.prevent_default();
            set_zoom(from * distance / start.max(1.0));
        }
    };
    let on_touch_end = move |event: ev::TouchEvent| {
        if event.touches().length() < 2 {
            pinch.set_value(None);
        }
    };

    let (name, url) = (document.name.clone(), document.url.clone());
    let title = {
        let name = name.clone();
        move || {
            td_string!(
                i18n.get_locale(),
                public.reader.title,
                document = name.clone(),
                page = page.get(),
                pages
            )
            .to_string()
        }
    };
    let alt = move || {
        td_string!(
            i18n.get_locale(),
            public.reader.page_alt,
            document = name.clone(),
            page = page.get()
        )
        .to_string()
    };

    view! {
        <div class="reader" role="dialog" aria-modal="true" aria-labelledby="reader-title" tabindex="-1" node_ref=dialog
            data-testid="reader" on:keydown=on_key>
            <header class="reader-bar">
                <h2 id="reader-title" class="reader-title">{title}</h2>
                <button type="button" class="ghost" data-testid="reader-close" on:click=move |_| close()>{t!(i18n, public.reader.close)}</button>
            </header>
            // Focusable, so that the keyboard scrolls a zoomed page (arrows up and down).
            <div class="reader-page" data-testid="reader-page" tabindex="0" role="region" aria-labelledby="reader-title"
                on:touchstart=on_touch_start on:touchmove=on_touch_move on:touchend=on_touch_end>
                <img src=move || format!("{url}/pages/{}.png", page.get()) alt=alt data-testid="reader-image"
                    style=move || format!("width: {:.0}%", zoom.get() * 100.0) />
            </div>
            <nav class="reader-bar reader-controls" aria-label=move || td_string!(i18n.get_locale(), public.reader.position, page = page.get(), pages).to_string()>
                <button type="button" data-testid="reader-previous" disabled=move || { page.get() <= 1 } on:click=move |_| go(page.get_untracked() - 1)>
                    <span aria-hidden="true">"‹"</span><span class="visually-hidden">{t!(i18n, public.reader.previous)}</span>
                </button>
                <span class="reader-position" data-testid="reader-position" aria-live="polite">
                    {move || td_string!(i18n.get_locale(), public.reader.position, page = page.get(), pages).to_string()}
                </span>
                <button type="button" data-testid="reader-next" disabled=move || { page.get() >= pages } on:click=move |_| go(page.get_untracked() + 1)>
                    <span aria-hidden="true">"›"</span><span class="visually-hidden">{t!(i18n, public.reader.next)}</span>
                </button>
                <button type="button" data-testid="reader-zoom-out" aria-label=move || t_string!(i18n, public.reader.zoom_out)
                    disabled=move || { zoom.get() <= MIN_ZOOM } on:click=move |_| set_zoom(zoom.get_untracked() / ZOOM_STEP)>"−"</button>
                <span class="reader-zoom" data-testid="reader-zoom">{move || format!("{:.0} %", zoom.get() * 100.0)}</span>
                <button type="button" data-testid="reader-zoom-in" aria-label=move || t_string!(i18n, public.reader.zoom_in)
                    disabled=move || { zoom.get() >= MAX_ZOOM } on:click=move |_| set_zoom(zoom.get_untracked() * ZOOM_STEP)>"+"</button>
            </nav>
        </div>
    }
}
