package org.nodeffm;

/**
 * {@link TeardownRaceTest} as an evidence run: the same race for the rounds Failsafe sets
 * ({@code nodeffm.race.rounds}, 1,000 by default; Surefire's fast run does 100).
 */
class TeardownRaceIT extends TeardownRaceTest {}
