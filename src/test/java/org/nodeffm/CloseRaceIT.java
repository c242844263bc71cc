package org.nodeffm;

/**
 * {@link CloseRaceTest} as an evidence run: the close race of every public entry point for the
 * rounds Failsafe sets ({@code nodeffm.race.rounds}, 1,000 by default; Surefire's fast run does
 * 100).
 */
class CloseRaceIT extends CloseRaceTest {}
