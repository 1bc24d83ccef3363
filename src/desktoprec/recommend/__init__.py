"""Recommendations: catalog, engine, diversity re-ranking, explanations, evaluation and discovery."""
