"""The staff web app: server-rendered pages for reviewers, disclosure officers and auditors."""
