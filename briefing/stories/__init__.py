"""Stories stage: article vectors, linkage, partition into events, headlines, continuity."""
