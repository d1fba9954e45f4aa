pub mod check;
pub mod checks;
