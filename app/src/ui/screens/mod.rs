//! One module per screen; `show` picks the one to render.

use dioxus::prelude::*;

use crate::ui::model::Screen;

pub mod access;
pub mod appointments;
pub mod caseload;
pub mod changes;
pub mod circle;
pub mod information;
pub mod kept;
pub mod more;
pub mod notes;
pub mod plan;
pub mod questions;
pub mod start;
pub mod team;
pub mod today;
pub mod written;

/// The element for one screen.
pub fn show(screen: Screen) -> Element {
    match screen {
        Screen::Today => rsx! { today::Today {} },
        Screen::Caseload => rsx! { caseload::CaseloadScreen {} },
        Screen::Information => rsx! { information::InformationScreen {} },
        Screen::AccessLog => rsx! { access::AccessLogScreen {} },
        Screen::Appointments => rsx! { appointments::AppointmentList {} },
        Screen::Appointment(id) => rsx! { appointments::AppointmentDetail { id } },
        Screen::AppointmentForm(id) => rsx! { appointments::AppointmentForm { id } },
        Screen::Team => rsx! { team::TeamScreen {} },
        Screen::Questions => rsx! { questions::QuestionsScreen {} },
        Screen::Plan => rsx! { plan::PlanScreen {} },
        Screen::Notes => rsx! { notes::NotesScreen {} },
        Screen::Changes => rsx! { changes::ChangesScreen {} },
        Screen::Circle => rsx! { circle::CircleScreen {} },
        Screen::Written(w) => rsx! { written::WrittenScreen { what: w } },
        Screen::More => rsx! { more::MoreScreen {} },
        Screen::Kept => rsx! { kept::KeptScreen {} },
        Screen::Settings => rsx! { more::SettingsScreen {} },
    }
}
