// Once a passkey is added, show the account's factors again (and its recovery codes' offer).
document.addEventListener("otp_webauthn.register_complete", () => window.location.reload());
