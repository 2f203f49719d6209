//! The web forms as submitted: the first byte picks the form, the rest is its url-encoded body, decoded
//! and checked as its handler does (`aiguillage_web::fuzzing`): the enrolment of a person, the
//! diagnostic's answers, the sending of a referral and a step of its page, a session (one person or a
//! workshop), a pathway's closing (with or without gains) and a directory place's edit. Any body gives
//! the checked value or a French message on at least one field, never a panic.
#![no_main]
use aiguillage_web::fuzzing;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&form, body)) = data.split_first() else {
        return;
    };
    let checked = match form % 9 {
        0 => fuzzing::enrolment(body),
        1 => fuzzing::diagnostic(body),
        2 => fuzzing::referral(body),
        3 => fuzzing::referral_step(body),
        4 => fuzzing::session(body, false, 1),
        5 => fuzzing::session(body, true, usize::from(form / 10)),
        6 => fuzzing::closing(body, false),
        7 => fuzzing::closing(body, true),
        _ => fuzzing::place_edit(body),
    };
    if let Err(refusal) = checked {
        assert!(!refusal.is_empty(), "a refused form says why");
    }
});
