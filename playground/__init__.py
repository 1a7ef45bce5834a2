"""The app's model, no Streamlit: what the playground is, apart from how Streamlit shows it."""
