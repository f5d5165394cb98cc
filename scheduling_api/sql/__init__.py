"""The Supabase-ready SQL migration (applied by the clinic to its own database; shipped for reference)."""
