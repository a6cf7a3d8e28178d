//! Addresses for screens (`#/c/<circle>/appointments/<item>`), so Back, reload and links work.
//!
//! The control loop owns which screen shows; the page's address follows it, and an address the
//! person opens (a link, Back, a reload) is turned back into a screen here. Hash addresses need
//! nothing from the server that serves the app, and the service worker serves them offline.

use carecircle_shared::{CircleId, ItemId};

use crate::ui::model::{Screen, Written};

/// A screen in one circle: what an address names.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Route {
    /// The circle shown (None: the first one, or none yet).
    pub circle: Option<CircleId>,
    /// The screen.
    pub screen: Screen,
}

impl Route {
    /// The address fragment for this route, `#/…`.
    pub fn to_hash(&self) -> String {
        let mut out = String::from("#");
        if let Some(c) = self.circle {
            out.push_str(&format!("/c/{c}"));
        }
        let item = |s: &str, id: &ItemId, tail: &str| format!("/{s}/{}{tail}", id.as_str());
        let path = match &self.screen {
            Screen::Today => "/today".to_string(),
            Screen::Caseload => "/caseload".to_string(),
            Screen::Appointments => "/appointments".to_string(),
            Screen::Appointment(id) => item("appointments", id, ""),
            Screen::AppointmentForm(None) => "/appointments/new".to_string(),
            Screen::AppointmentForm(Some(id)) => item("appointments", id, "/edit"),
            Screen::Written(Written::Appointment(id)) => item("appointments", id, "/written"),
            Screen::Written(Written::Plan) => "/plan/written".to_string(),
            Screen::Team => "/team".to_string(),
            Screen::Questions => "/questions".to_string(),
            Screen::Plan => "/plan".to_string(),
            Screen::Notes => "/notes".to_string(),
            Screen::Information => "/information".to_string(),
            Screen::Changes => "/changes".to_string(),
            Screen::Circle => "/circle".to_string(),
            Screen::AccessLog => "/circle/access".to_string(),
            Screen::More => "/more".to_string(),
            Screen::Kept => "/kept".to_string(),
            Screen::Settings => "/settings".to_string(),
        };
        out.push_str(&path);
        out
    }

    /// The route an address names; None for anything that is not one of ours (then the app
    /// opens on Today).
    pub fn parse(hash: &str) -> Option<Route> {
        let path = hash.strip_prefix('#').unwrap_or(hash);
        let mut parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        let mut circle = None;
        if parts.first() == Some(&"c") {
            circle = Some(parts.get(1)?.parse().ok()?);
            parts.drain(..2);
        }
        let item = |s: &str| {
            let id = ItemId::from(s);
            id.is_well_formed().then_some(id)
        };
        let screen = match parts.as_slice() {
            [] | ["today"] => Screen::Today,
            ["caseload"] => Screen::Caseload,
            ["appointments"] => Screen::Appointments,
            ["appointments", "new"] => Screen::AppointmentForm(None),
            ["appointments", id] => Screen::Appointment(item(id)?),
            ["appointments", id, "edit"] => Screen::AppointmentForm(Some(item(id)?)),
            ["appointments", id, "written"] => Screen::Written(Written::Appointment(item(id)?)),
            ["plan", "written"] => Screen::Written(Written::Plan),
            ["team"] => Screen::Team,
            ["questions"] => Screen::Questions,
            ["plan"] => Screen::Plan,
            ["notes"] => Screen::Notes,
            ["information"] => Screen::Information,
            ["changes"] => Screen::Changes,
            ["circle"] => Screen::Circle,
            ["circle", "access"] => Screen::AccessLog,
            ["more"] => Screen::More,
            ["kept"] => Screen::Kept,
            ["settings"] => Screen::Settings,
            _ => return None,
        };
        Some(Route { circle, screen })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_screen() -> Vec<Screen> {
        let id = ItemId::random();
        vec![
            Screen::Today,
            Screen::Caseload,
            Screen::Appointments,
            Screen::Appointment(id.clone()),
            Screen::AppointmentForm(None),
            Screen::AppointmentForm(Some(id.clone())),
            Screen::Written(Written::Appointment(id)),
            Screen::Written(Written::Plan),
            Screen::Team,
            Screen::Questions,
            Screen::Plan,
            Screen::Notes,
            Screen::Information,
            Screen::Changes,
            Screen::Circle,
            Screen::AccessLog,
            Screen::More,
            Screen::Kept,
            Screen::Settings,
        ]
    }

    #[test]
    fn every_screen_has_an_address_that_reads_back_as_itself() {
        for circle in [None, Some(CircleId::random())] {
            for screen in every_screen() {
                let route = Route { circle, screen };
                let hash = route.to_hash();
                assert_eq!(Route::parse(&hash), Some(route), "{hash}");
            }
        }
    }

    #[test]
    fn an_empty_address_is_today_and_a_foreign_one_is_nothing() {
        assert_eq!(Route::parse(""), Some(Route::default()));
        assert_eq!(Route::parse("#"), Some(Route::default()));
        assert_eq!(Route::parse("#main-content"), None);
        assert_eq!(Route::parse("#/c/not-a-circle/today"), None);
        assert_eq!(Route::parse("#/appointments/x y/edit"), None);
        assert_eq!(Route::parse("#/appointments/a/b/c"), None);
    }
}
