//! The Dioxus screens: phone-first views over the app core; no business rule lives here.
//!
//! [`control`] owns the core and works an action queue; [`model::Snapshot`] is all a screen
//! reads. `harness` renders any screen over a hand-made snapshot (component tests).

use carecircle_shared::DocKind;
use dioxus::prelude::*;

pub mod access;
pub mod control;
pub mod format;
pub mod model;
pub mod platform;
pub mod route;
mod screens;
mod widgets;

use control::Action;
use model::{Phase, Screen, Snapshot};
use route::Route;
use widgets::{use_screen, use_snapshot};

/// The stylesheet (the web build links `style.css`; the desktop build inlines it).
pub const STYLE: &str = include_str!("../../public/style.css");

/// Starts the app on this platform's renderer.
pub fn launch() {
    #[cfg(feature = "desktop")]
    {
        use dioxus::desktop::{Config, LogicalSize, WindowBuilder};
        dioxus::LaunchBuilder::desktop()
            .with_cfg(
                Config::new()
                    .with_custom_head(format!("<style>{STYLE}</style>"))
                    .with_menu(None)
                    .with_window(
                        WindowBuilder::new()
                            .with_title("CareCircle")
                            .with_inner_size(LogicalSize::new(420.0, 860.0)),
                    ),
            )
            .launch(App);
    }
    #[cfg(not(feature = "desktop"))]
    dioxus::launch(App);
}

#[component]
fn App() -> Element {
    // The address the page was opened at (a link, a reload): that screen, with Today beneath
    // it in the history so that Back from a link lands in the app.
    let start = use_hook(|| {
        let route = Route::parse(&platform::current_hash()).unwrap_or_default();
        if route.screen != Screen::Today {
            let home = Route {
                circle: route.circle,
                screen: Screen::Today,
            };
            platform::show_hash(&home.to_hash(), false);
            platform::show_hash(&route.to_hash(), true);
        }
        route
    });
    let snapshot = use_context_provider(|| Signal::new(Snapshot::default()));
    let screen = use_context_provider(|| Signal::new(start.screen.clone()));
    let actions = use_coroutine(move |rx| control::run(rx, snapshot, screen, start.circle));
    // Offline is shown the moment the browser says so, even while a request is still waiting.
    use_hook(move || {
        platform::on_network(
            move || actions.send(Action::Sync),
            move || {
                let mut s = snapshot;
                s.write().status.offline = true;
            },
        )
    });
    // Another tab of this browser saved something: show it here too.
    use_hook(move || platform::on_announce(move || actions.send(Action::Reload)));
    // Back, Forward, a link to a screen: show what the address names.
    use_hook(move || {
        platform::on_address(move |hash| {
            if let Some(route) = Route::parse(&hash) {
                actions.send(Action::Open(route));
            }
        })
    });
    // The address follows the screen; each new screen is a history entry and takes focus.
    let shown = use_hook(|| std::rc::Rc::new(std::cell::RefCell::new(None::<String>)));
    use_effect(move || {
        let s = snapshot.read();
        if s.phase != Phase::Ready {
            return;
        }
        let hash = Route {
            circle: s.circle_id(),
            screen: screen(),
        }
        .to_hash();
        let before = shown.replace(Some(hash.clone()));
        if before.as_deref() == Some(hash.as_str()) {
            return;
        }
        if platform::current_hash() != hash {
            platform::show_hash(&hash, before.is_some());
        }
        if before.is_some() {
            spawn(async {
                // Once the new screen is on the page.
                futures_timer::Delay::new(std::time::Duration::from_millis(30)).await;
                platform::focus_heading();
            });
        }
    });
    rsx! { Shell {} }
}

/// Everything on the page: a skip link, header with status, the tab bar, messages, the
/// screen. The tab bar comes before the screen in reading order (it shows at the bottom), so a
/// keyboard reaches every section in a few steps.
#[component]
fn Shell() -> Element {
    let snap = use_snapshot();
    let screen = use_screen();
    let phase = snap.read().phase;
    match phase {
        Phase::Loading => rsx! {
            main { class: "loading", id: "main-content",
                h1 { "CareCircle" }
                p { role: "status", "Opening your circle on this device…" }
                progress { "aria-label": "Opening" }
            }
        },
        Phase::SignedOut => rsx! {
            SkipLink {}
            Header {}
            Messages {}
            main { id: "main-content", tabindex: "-1", screens::start::Start {} }
        },
        Phase::Ready => {
            let current = screen.read().clone();
            let printable = matches!(current, Screen::Written(_));
            rsx! {
                SkipLink {}
                if !printable { Header {} }
                if !printable { Tabs {} }
                Messages {}
                main { id: "main-content", tabindex: "-1", class: if printable { "printable" } else { "" },
                    {screens::show(current)}
                }
            }
        }
    }
}

/// "Skip to content": the first thing a keyboard reaches.
#[component]
fn SkipLink() -> Element {
    rsx! {
        a { class: "skip-link", href: "#main-content",
            onclick: move |e: MouseEvent| {
                // The address is the app's route; the link only moves focus.
                e.prevent_default();
                platform::focus("main-content");
            },
            "Skip to content"
        }
    }
}

/// The app bar: circle name, always-visible sync status, sync button.
#[component]
fn Header() -> Element {
    let snap = use_snapshot();
    let mut screen = use_screen();
    let actions = use_coroutine_handle::<Action>();
    let s = snap.read();
    let line = format::status_line(&s.status, s.zone);
    let title = s
        .circle
        .as_ref()
        .map(|c| c.summary.name.clone())
        .unwrap_or_else(|| "CareCircle".into());
    let state = if s.status.offline {
        "offline"
    } else if s.status.waiting > 0 {
        "waiting"
    } else {
        "synced"
    };
    let signed_in = s.phase == Phase::Ready;
    rsx! {
        header { class: "appbar",
            div { class: "appbar-title",
                span { class: "brand", "CareCircle" }
                span { class: "circle-name", "{title}" }
            }
            div { class: "status {state}",
                p { id: "sync-status", role: "status", "aria-live": "polite", "{line}" }
                if signed_in && s.circle.is_some() {
                    // Who to call if something goes wrong: one tap from every screen.
                    button {
                        r#type: "button",
                        class: "button small call-now",
                        onclick: move |_| screen.set(Screen::Team),
                        "Who to call"
                    }
                }
                if signed_in {
                    button {
                        r#type: "button",
                        class: "button small",
                        disabled: s.status.syncing,
                        onclick: move |_| actions.send(Action::Sync),
                        "Sync now"
                    }
                }
            }
        }
    }
}

/// Errors, refusals and one-time messages, above every screen.
#[component]
fn Messages() -> Element {
    let mut snap = use_snapshot();
    let mut screen = use_screen();
    let actions = use_coroutine_handle::<Action>();
    let s = snap.read();
    let error = s.error.clone();
    let refused: Vec<_> = s.refused.iter().filter(|r| !r.resolved).cloned().collect();
    let notices = s.notices.clone();
    let zone = s.zone;
    drop(s);
    rsx! {
        div { class: "messages",
            if let Some(e) = error {
                div { class: "banner error", role: "alert",
                    p { "{e}" }
                    button { r#type: "button", class: "button small secondary",
                        onclick: move |_| snap.write().error = None, "Dismiss" }
                }
            }
            for r in refused {
                div { key: "{r.id}", class: "banner refused", role: "alert",
                    p { strong { "{format::refusal_text(&r)}" } }
                    p { "What you wrote is kept on this device (since {format::when(r.at, zone)}) for you to copy or add again; the shared copy carries on syncing." }
                    button { r#type: "button", class: "button small",
                        onclick: move |_| { actions.send(Action::SeenRefused(r.id)); screen.set(Screen::Kept); },
                        "See what was kept" }
                    button { r#type: "button", class: "button small secondary",
                        onclick: move |_| actions.send(Action::SeenRefused(r.id)), "OK" }
                }
            }
            for (i, n) in notices.into_iter().enumerate() {
                div { key: "{i}", class: "banner notice", role: "alert",
                    p { "{n.text}" }
                    button { r#type: "button", class: "button small secondary",
                        onclick: move |_| actions.send(Action::DismissNotice(i)), "OK" }
                }
            }
        }
    }
}

/// The bottom tab bar.
#[component]
fn Tabs() -> Element {
    let mut screen = use_screen();
    let current = screen.read().clone();
    // Unsettled conflicts, counted on the tab of the document they are in.
    let snap = use_snapshot();
    let clashes = |kind: DocKind| {
        snap.read().circle.as_ref().map_or(0, |c| {
            c.conflicts.iter().filter(|(k, _)| *k == kind).count()
        })
    };
    let badge = |to: &Screen| match to {
        Screen::Appointments => clashes(DocKind::Appointments),
        Screen::Questions => clashes(DocKind::Questions),
        Screen::Notes => clashes(DocKind::Notes),
        _ => 0,
    };
    // What others changed since I last looked: counted on More, where "What's changed" is.
    let changes = snap.read().circle.as_ref().map_or(0, |c| c.feed.len());
    let tabs = [
        (Screen::Today, "Today"),
        (Screen::Appointments, "Appointments"),
        (Screen::Questions, "Questions"),
        (Screen::Notes, "Notes"),
        (Screen::More, "More"),
    ];
    rsx! {
        nav { class: "tabs", "aria-label": "Main",
            for (to, label) in tabs {
                button {
                    key: "{label}",
                    r#type: "button",
                    class: "tab",
                    "aria-current": if section_of(&current) == to { Some("page") } else { None },
                    onclick: move |_| screen.set(to.clone()),
                    "{label}"
                    // Read as "Appointments, 1 to settle"; the visible name is where it starts.
                    if badge(&to) > 0 {
                        span { class: "tab-badge", "aria-hidden": "true", "{badge(&to)}" }
                        span { class: "visually-hidden", ", {badge(&to)} to settle" }
                    }
                    if to == Screen::More && changes > 0 {
                        span { class: "tab-badge news", "aria-hidden": "true", "{changes}" }
                        span { class: "visually-hidden", if changes == 1 { ", 1 change" } else { ", {changes} changes" } }
                    }
                }
            }
        }
    }
}

/// The tab a screen belongs to.
fn section_of(screen: &Screen) -> Screen {
    match screen {
        Screen::Today | Screen::Caseload => Screen::Today,
        Screen::Appointments | Screen::Appointment(_) | Screen::AppointmentForm(_) => {
            Screen::Appointments
        }
        Screen::Questions => Screen::Questions,
        Screen::Notes => Screen::Notes,
        _ => Screen::More,
    }
}

#[derive(Props, Clone, PartialEq)]
struct HarnessProps {
    screen: Screen,
    snapshot: Snapshot,
}

#[allow(non_snake_case)]
fn Harness(props: HarnessProps) -> Element {
    use_context_provider(|| Signal::new(props.snapshot.clone()));
    use_context_provider(|| Signal::new(props.screen.clone()));
    use_coroutine(|_rx: UnboundedReceiver<Action>| async {});
    rsx! { Shell {} }
}

/// A virtual DOM showing `screen` over `snapshot`, actions going nowhere (component tests render
/// it with `dioxus-ssr`).
pub fn harness(screen: Screen, snapshot: Snapshot) -> VirtualDom {
    let mut dom = VirtualDom::new_with_props(Harness, HarnessProps { screen, snapshot });
    dom.rebuild_in_place();
    dom
}
