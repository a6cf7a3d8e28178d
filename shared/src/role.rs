//! Who a member is in a circle: their role, and for carers their relationship to the consumer.

use crate::vocabulary;

vocabulary! {
    /// A member's role in one circle.
    pub enum Role {
        /// The person the circle is for; exactly one per circle.
        Consumer = "consumer",
        /// Family, friend or chosen advocate.
        Carer = "carer",
        /// The mental health professional coordinating care.
        CaseManager = "case_manager",
    }
}

vocabulary! {
    /// How a carer is related to the consumer (recorded when a carer joins).
    pub enum Relationship {
        /// A family member.
        FamilyMember = "family_member",
        /// A friend.
        Friend = "friend",
        /// An advocate the consumer chose.
        ChosenAdvocate = "chosen_advocate",
    }
}

impl Relationship {
    /// A plain-language label for screens.
    pub const fn label(self) -> &'static str {
        match self {
            Relationship::FamilyMember => "Family member",
            Relationship::Friend => "Friend",
            Relationship::ChosenAdvocate => "Chosen advocate",
        }
    }
}

impl Role {
    /// A plain-language label for screens.
    pub const fn label(self) -> &'static str {
        match self {
            Role::Consumer => "Consumer",
            Role::Carer => "Carer",
            Role::CaseManager => "Case manager",
        }
    }
}
