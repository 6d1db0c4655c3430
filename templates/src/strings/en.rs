//! English. Stage names keep the official Indonesian term first, so a reporter can match them
//! with what the office publishes.

use super::{
    CategoryTexts, FieldText, FieldTexts, FollowupJsTexts, FollowupTexts, JsTexts, MessageTexts,
    NoticeTexts, StageNames, TeamErrorTexts, TeamJsTexts, TeamTexts, TeamTotpTexts, Texts,
};

use super::FileTexts;

pub(super) const TEXTS: Texts = Texts {
    wbs_name: "Whistleblowing System (WBS)",
    skip_to_content: "Skip to content",
    language_switch_label: "Language",
    other_language_name: "Bahasa Indonesia",
    channels_heading: "Other ways to report",
    channels_note: "These channels do not protect your identity as well as the form on this site.",
    email_label: "E-mail",
    website_label: "Official website",
    footer_privacy: "This site loads nothing from other sites and does not store your IP address.",
    home_link: "Go to the home page",

    landing_title: "Report wrongdoing safely",
    landing_intro: "The Whistleblowing System (WBS) is a way to report suspected wrongdoing \
        by staff or others within",
    landing_who: "You can report if you saw or know about wrongdoing \
        and you took no part in it.",
    start_report: "Make a report",
    start_report_note: "Your report is anonymous, unless you choose to give your name.",
    categories_heading: "What you can report",
    stages_heading: "How a report is handled",
    stages: [
        (
            "Pelaporan (Reporting)",
            "You fill in the form and get a receipt code and a passphrase.",
        ),
        (
            "Identifikasi Pelapor (Reporter identification)",
            "The report is recorded without your name, unless you choose to give it. \
             Your identity is protected from retaliation.",
        ),
        (
            "Pemeriksaan (Examination)",
            "The investigation team reads the report, checks whether it is true \
             and looks at the evidence. The team may send you questions.",
        ),
        (
            "Verifikasi (Verification)",
            "If there are signs of wrongdoing, the team gathers more evidence \
             and checks it against the rules.",
        ),
        (
            "Tindakan Korektif (Corrective action)",
            "If the wrongdoing is confirmed, the office acts: sanctions for those responsible, \
             better procedures, or other steps so it does not happen again.",
        ),
        (
            "Pemberitahuan dan Tindak Lanjut (Notification and follow-up)",
            "You are told the outcome and the action taken. \
             The case is closed once the problem is resolved.",
        ),
    ],
    stages_exits: "A report can also be closed as not actionable (you are told why), \
        or passed on to the body in charge, such as the Inspektorat, APIP, KPK or Ombudsman.",
    protection_heading: "How your identity is protected",
    protection: [
        "With JavaScript on, your report is encrypted (scrambled) on your device before it is sent.",
        "With JavaScript off, the server encrypts your report in memory when it arrives. \
         It is never stored in a readable form.",
        "Your IP address and device details are not stored.",
        "Only this office's investigation team holds the keys to open reports. \
         Not even the people who run the server can read them.",
        "You get a receipt code and a passphrase. \
         Only with both can you open your report again.",
    ],
    tips_heading: "Tips to stay safe",
    tips: [
        "Use your own phone or computer and your own network, not the office's.",
        "For more protection, use Tor Browser.",
        "To stay anonymous, do not write your name or things only you would know.",
        "When you are done, close your browser.",
    ],
    regulations_heading: "Regulations",
    team_heading: "Investigation team",
    team_members: "Team members:",
    team_fingerprint: "Fingerprint of the team's current key:",
    team_fingerprint_note: "This code changes whenever the team changes. \
        If the office publishes it elsewhere, you can compare the two.",
    team_none: "No investigator is registered yet, \
        so reports cannot be sent through this site for now.",

    form_title: "Make a report",
    form_intro: "Use your own words. Only the fields marked “required” must be filled in.",
    required: "required",
    encrypted_in_browser_note: "Your report is encrypted on your device before it is sent.",
    encrypted_on_server_note: "JavaScript is off: your report will be encrypted on the server, \
        in memory, and never stored in readable form.",
    errors_heading: "Your report was not sent yet. Please check:",
    choose: "Choose…",
    fields: FieldTexts {
        category: FieldText {
            label: "Kind of wrongdoing",
            hint: "Choose the closest one. If unsure, choose “Other”.",
            name: "Kind of wrongdoing",
        },
        what: FieldText {
            label: "What happened?",
            hint: "Tell what happened in your own words.",
            name: "What happened",
        },
        who: FieldText {
            label: "Who was involved?",
            hint: "Names or positions, if you know them.",
            name: "Who",
        },
        place: FieldText {
            label: "Where?",
            hint: "For example the office, the room or the village.",
            name: "Where",
        },
        when: FieldText {
            label: "When?",
            hint: "A date or a rough time, such as “around March 2024”.",
            name: "When",
        },
        how: FieldText {
            label: "How did it happen?",
            hint: "The order of events, how it was done, and any evidence you know of.",
            name: "How",
        },
        why: FieldText {
            label: "Why is it wrong?",
            hint: "The rule that was broken or the harm done, if you know.",
            name: "Why",
        },
        name: FieldText {
            label: "Name",
            hint: "",
            name: "Name",
        },
        contact: FieldText {
            label: "Contact",
            hint: "Phone number, e-mail or address.",
            name: "Contact",
        },
    },
    identity_legend: "Your identity (optional)",
    identity_intro: "Your report is sent without your name. A name and contact help the team \
        reach you, but it is your choice.",
    identify_label: "I want to give my name and contact",
    identity_hint: "Your name and contact are sent only if the box above is ticked.",
    identity_unticked: "You filled in a name or contact but did not tick \
        “I want to include my name and contact”. Tick it to send them with the report, \
        or clear both fields to stay anonymous.",
    before_submit: "After sending, you get a receipt code and a passphrase. \
        Have pen and paper ready to write them down.",
    submit: "Send report",
    js: JsTexts {
        not_ready: "One moment, encryption is getting ready…",
        encrypting: "Encrypting on your device…",
        sending: "Sending the encrypted report…",
        failed: "Encryption in the browser failed. The report was NOT sent. Try again, \
            or turn JavaScript off to send it through the server.",
        timeout: "Encryption took too long. The report was NOT sent. Try again, \
            or turn JavaScript off to send it through the server.",
        network: "Cannot reach the server. The report was NOT sent. \
            Check your connection, then try again.",
    },
    files: FileTexts {
        label: "Attachments (several files allowed)",
        hint: |max, size| {
            format!(
                "At most {max} files, each at most {size}. Hidden data in JPEG, PNG and WebP \
                 photos (GPS position, camera, time) is removed before encryption. PDF, \
                 Office documents and videos cannot be cleaned: such files may hold your name \
                 or your device's."
            )
        },
        too_large: |size| {
            format!("The file is too large. The limit is {size} per file. Nothing was sent.")
        },
        photo_too_large: |size| {
            format!(
                "The photo is too large to be cleaned on the server. The limit is {size} per \
                 photo. Nothing was sent. Send a smaller photo, or turn JavaScript on."
            )
        },
        too_many: |max| format!("Too many files. At most {max} files at once. Nothing was sent."),
        not_ready: "An attachment did not finish uploading, so the report was NOT saved. \
            Send it once more.",
        interrupted: "Sending an attachment broke off. Try sending again.",
        bad_file: "This attachment was not encrypted correctly and was refused. Try again.",
        unreadable_image: "A photo is damaged or unusual, so its hidden data cannot be removed. \
            That photo was NOT sent. Take a screenshot of it and attach the screenshot.",
        heif_photo: "HEIC or HEIF photos (from an iPhone, for example) cannot be cleaned of their \
            location and device data. That photo was NOT sent. Send a JPEG instead: on an \
            iPhone, open Settings › Camera › Formats, choose Most Compatible, then take the \
            photo again. Or send a screenshot of the photo.",
        tiff_photo: "TIFF or RAW images (from a camera or a scanner) cannot be cleaned of their \
            location and device data. That file was NOT sent. Save it as a JPEG or PNG and send \
            that. Or send a screenshot of the image.",
        no_room: "There is no room for attachments right now. Nothing was sent. \
            Try again in a few hours.",
        photos_busy: "The server is cleaning many photos right now. Nothing was sent. \
            Try again in a moment.",
        choose_again: "Your text is still here. Choose the files to attach again.",
        receipt_heading: "Attachments",
        removed: "Hidden data removed:",
        nothing_found: "No hidden data was found.",
        not_cleaned: "This file cannot be cleaned. PDF, Office documents and videos often hold \
            the author's name, the device's name or a location, and may reveal who you are.",
        removed_labels: [
            "GPS position",
            "camera make and model",
            "time taken",
            "XMP data (editing software, creator)",
            "comment",
            "IPTC captions (author, place)",
            "hidden text (author, software)",
            "appended pictures or data",
            "other data",
        ],
        sending: "Encrypting and sending attachment {n} of {total}: {name}",
        will_be_cleaned: "Hidden data in this photo will be removed before it is sent.",
        download: "Attachment {n} ({size})",
        opening: "Opening the attachment…",
        unreadable: "This attachment cannot be opened with your key.",
    },

    receipt_title: "Your report has been received",
    receipt_code_label: "Receipt code",
    passphrase_label: "Passphrase",
    receipt_warning_title: "Important: write down both codes now",
    receipt_warning: [
        "You need both to see how your report is progressing.",
        "Nobody can recover or reset them, not the investigation team \
         and not the people who run this site.",
        "Write them on paper or print this page. Keep it somewhere safe that only you know, \
         not on a device or in a place you share with others.",
        "Do not close or reload this page until you have written them down.",
    ],
    print_hint: "To print, choose “Print” in your browser's menu.",
    encrypted_in_browser: "Your report was encrypted on your device before it was sent.",
    sealed_to: "Fingerprint of the team key used:",
    sealed_to_note: "Compare it with the fingerprint on the front page, or one the office published elsewhere. \
        If they differ, send nothing more through this site and contact the office another way.",
    encrypted_in_server: "JavaScript was off: your report was encrypted on the server, \
        in memory, and is stored only in encrypted form.",
    followup_heading: "Follow-up page",
    followup_before: "Later, open the ",
    followup_link: "follow-up page",
    followup_after: " on this site. With both codes you can see the stage of your report \
        and read messages from the investigation team.",

    team: TeamTexts {
        title: "Team workspace",
        needs_js: "The team workspace needs JavaScript: your key is unlocked in this browser \
            and never sent to the server.",
        login_intro: "Choose your key file (made with kentongan-keytool) and type its \
            passphrase. The key is unlocked in this browser only. The server receives only \
            proof that you hold it.",
        key_file_label: "Key file",
        key_file_hint: "Usually named like your-name.age.",
        key_passphrase_label: "Key passphrase",
        login_submit: "Log in",
        logout: "Log out",
        signed_in_as: "Logged in as",
        cases_heading: "Cases",
        no_cases: "No cases yet.",
        col_case: "No.",
        col_stage: "Stage",
        col_received: "Received",
        col_due: "Deadline",
        due_today: "due today",
        overdue: |days| {
            if days == 1 {
                "1 working day late".to_owned()
            } else {
                format!("{days} working days late")
            }
        },
        back_to_list: "← All cases",
        case_heading: "Case",
        received_on: "received on",
        current_stage: "Current stage",
        history_heading: "Stage history",
        moved_by: "by",
        report_heading: "The report",
        conversation_heading: "Conversation with the reporter",
        conversation_empty: "No messages yet.",
        from_reporter: "Reporter",
        from_team: "Investigators",
        from_unknown: "Sender not confirmed",
        stage_message: "Message to the reporter",
        notes_heading: "Internal notes",
        notes_hint: "Only investigators can read notes. The reporter never sees them.",
        notes_empty: "No notes yet.",
        reply_label: "Reply to the reporter",
        reply_submit: "Send reply",
        note_label: "New note",
        note_submit: "Save note",
        move_label: "Move to stage",
        move_message_label: "Message to the reporter",
        move_message_hint: "Required for Not actionable and Forwarded.",
        move_submit: "Move",
        closed: "This case is closed.",
        no_key: "You do not hold this case's key yet. Ask a colleague who holds it to grant you access.",
        export_link: "Download the case file (for kentongan-keytool)",
        handling_heading: "Handling",
        assign_label: "Assigned to",
        nobody: "— nobody —",
        classify_label: "Office category",
        unclassified: "— not classified —",
        save: "Save",
        grant_label: "Grant access to",
        grant_hint: "The case keys are encrypted for this colleague in your browser. \
            Before granting, compare the fingerprint below with the one \
            `kentongan-keytool recipient` shows on your colleague's computer.",
        grant_fingerprint: "This colleague's key fingerprint, computed in your browser:",
        grant_submit: "Grant access",
        filter_heading: "Filter",
        all_stages: "All",
        filter_due: "Deadline",
        due_any: "Any",
        due_overdue: "Overdue",
        due_soon: "Due within 2 working days",
        filter_assignee: "Assigned to",
        anyone: "Anyone",
        filter_category: "Category",
        any_category: "Any",
        filter_submit: "Apply",
        col_assignee: "Assigned",
        col_category: "Category",
        col_activity: "Last activity",
        page_of: |shown, total| format!("{shown} of {total} cases"),
        next_page: "Next page →",
        admin_link: "Team and audit log",
        admin_heading: "Investigators",
        team_key: "Team key fingerprint (as on the public pages)",
        col_name: "Name",
        col_role: "Role",
        col_status: "Status",
        col_key: "Key fingerprint",
        col_added: "Registered",
        role_admin: "Admin",
        role_investigator: "Investigator",
        active: "Active",
        disabled: "Disabled",
        disable: "Disable",
        add_heading: "Add a team member",
        recipient_label: "Public key (age1…)",
        recipient_hint: "Paste the public key your colleague made with kentongan-keytool generate. \
            New reports are encrypted for them at once.",
        admin_label: "Admin (may manage the team)",
        add_submit: "Add",
        audit_heading: "Audit log",
        audit_intact: |count, head| format!("Chain intact: {count} entries, head {head}"),
        audit_broken: "AUDIT LOG BROKEN:",
        col_when: "When (UTC)",
        col_who: "By",
        col_what: "Action",
        col_audit_case: "Case",
        col_detail: "Detail",
        reporter_identity: "The reporter's identity",
        due_soon_badge: "soon",
        js: TeamJsTexts {
            not_ready: "Encryption is not ready yet. Wait a moment.",
            unlocking: "Unlocking the key…",
            checking: "Checking the key with the server…",
            loading: "Loading…",
            failed: "Something went wrong. Reload the page and try again.",
            network: "The server cannot be reached. Check the connection, then try again.",
            no_file: "Choose your key file first.",
            wrong_passphrase: "Wrong passphrase for the key.",
            not_key_file: "This file is not a key file.",
            not_passphrase: "This file is encrypted to another key, not to a passphrase.",
            damaged: "The key file is damaged.",
            too_much_work: "This key file asks for too much memory to unlock in a browser.",
            session_ended: "The session has ended. Log in again.",
            unreadable: "Cannot be opened.",
            unverified: "This message does not carry the team's signature. Someone else may have \
                written it on the server, or it was written before team messages were signed. Do not \
                take it as the team's.",
            sending: "Encrypting and sending…",
            saved: "Saved.",
            empty: "Write something first.",
            case_changed: "This case's report does not open with the case key in your envelope: \
                someone changed the case on the server. Nothing is shown or sent. \
                Do not reply or grant access; tell the admin.",
        },
        errors: TeamErrorTexts {
            unknown_key: "This key is not registered, or its holder has been disabled.",
            wrong_answer: "The key did not match, or it took too long. Log in again.",
            session_ended: "The session has ended. Log in again with your key file.",
            csrf_failed: "The page has expired. Reload it, then try again.",
            bad_request: "This request cannot be processed.",
            busy: "The server is busy. Try again in a minute.",
            store_down: "The database cannot be reached. Nothing was changed. Try again later.",
            internal: "Something went wrong on the server. Nothing was changed.",
            no_case: "There is no such case.",
            case_changed: "A colleague just changed this case. Reload it, then try again.",
            bad_move: "The case cannot move to that stage from where it is.",
            needs_message: "This stage needs a message to the reporter.",
            bad_ciphertext: "The encrypted content is not valid, so it was not saved.",
            colleague: "That colleague is not active, or already holds this case's key.",
            not_admin: "Only an admin may do this.",
            bad_key: "Not a valid public key: it starts with age1 and must be copied whole.",
            duplicate_key: "This key is registered already.",
            bad_name: "A name is required, at most 200 characters.",
            no_key: "You do not hold this case's key, so you cannot change it.",
            needs_second_factor: "Your team requires a second factor. Turn it on first, then you can work.",
            wrong_code: "Wrong code, or one already used. Type the code the app shows now.",
            code_expired: "The time for the code has run out. Log in again with your key file.",
            too_many_codes: "Too many wrong codes. Wait 15 minutes, then try again.",
            second_factor_mandatory: "Your team requires a second factor, so it cannot be turned off.",
            second_factor_on: "The second factor is on already.",
            last_admin: "There must always be at least one active admin. Make another colleague admin first.",
            own_account: "You cannot do this to your own account.",
            enrol_first: "Turn on your own second factor first, then require it of the whole team.",
        },
        totp: TeamTotpTexts {
            security_link: "Second factor (phone codes)",
            heading: "Second factor",
            intro: "Besides your key file, you can be asked for a 6-digit code from an authenticator \
                app on your phone (for example Aegis, FreeOTP or Google Authenticator) each time you \
                log in. Someone who steals your key file and its passphrase still cannot log in \
                without your phone.",
            is_on: "The second factor is on: you are asked for a code each time you log in.",
            is_off: "The second factor is off.",
            required_note: "Your team requires a second factor. Turn it on first, then you can work.",
            required_cannot_off: "Your team requires a second factor, so it cannot be turned off.",
            turn_on: "Turn on the second factor",
            turn_off: "Turn off the second factor",
            off_label: "The code the app shows now",
            scan: "1. Scan this QR code with the authenticator app on your phone.",
            qr_label: "QR code for the authenticator app",
            or_type: "Cannot scan? Type this key into the app:",
            keep_secret: "Do not share or photograph this QR code and key: anyone who has them can \
                make your codes.",
            confirm_label: "2. Type the 6-digit code the app shows",
            confirm_submit: "Confirm",
            code_label: "Code from your authenticator app",
            code_hint: "6 digits. The code changes every 30 seconds.",
            code_submit: "Log in",
            turned_on: "The second factor is on. From now on you are asked for a code each time you log in.",
            turned_off: "The second factor is off.",
            col_second_factor: "Second factor",
            on: "On",
            off: "Off",
            reset: "Reset (lost phone)",
            make_admin: "Make admin",
            remove_admin: "Remove admin",
            required_heading: "Second factor for the whole team",
            required_label: "Require a second factor of every team member",
            required_hint: "Members who have none can do nothing but turn it on until they do.",
            required_submit: "Save",
        },
    },

    followup: FollowupTexts {
        draft_label: "Your message, not sent yet",
        draft_hint: "It is sent once you are logged in.",
        landing_link: "Already reported? See how your report is doing",
        title: "Follow up your report",
        login_intro: "Enter the receipt code and passphrase you got when you reported. \
            You will see the stage of your report and messages from the investigators, \
            and you can answer them.",
        receipt_hint: "16 digits. Spaces and dashes are fine.",
        passphrase_hint: "Seven words. Capital or small letters are the same.",
        login_submit: "Open my report",
        login_js_note: "JavaScript is on: your key is made on your device. \
            The passphrase is not sent to the server.",
        login_server_note: "Without JavaScript, the server opens your report in its memory \
            while you are logged in (one hour at most), then erases it.",
        no_receipt: "No codes yet? You get them after sending a report.",
        case_title: "Your report",
        case_number: "Report number",
        received_on: "received on",
        current_stage: "Current stage",
        history_heading: "Stage history",
        report_heading: "What you reported",
        identity_heading: "Your identity",
        anonymous: "Anonymous",
        conversation_heading: "Conversation",
        conversation_empty: "No messages yet.",
        from_reporter: "You",
        from_team: "Investigators",
        from_unknown: "Sender not confirmed",
        stage_message: "Message from the investigators",
        message_label: "Message to the investigators",
        message_hint: "Answer their questions, or add details. \
            The message is encrypted before it is stored.",
        message_submit: "Send message",
        logout: "Log out",
        logout_hint: "Log out when you are done, especially on a shared device.",
        opening: "Opening…",
        unreadable: "This part could not be opened.",
        unverified: "The message below is not signed by the investigators, so it may not be \
            from them. Do not follow it. Do not send your personal details because of it.",
        progress_heading: "Where your report stands",
        step_of: |n, total, name| format!("Step {n} of {total}: {name}"),
        step_done: "done",
        step_now: "now",
        step_later: "not yet",
        check_back: |day| format!("Check back by {day} at the latest."),
        check_back_acknowledge: "By that day the team confirms that your report arrived and starts \
            examining it. The day follows the deadlines the office has set.",
        check_back_feedback: "By that day the team tells you what has been done. The day follows \
            the deadlines the office has set.",
        check_back_passed: |day| {
            format!(
                "The office's deadline to give you word ({day}) has passed. Check this page \
                 again from time to time, or send the team a message below."
            )
        },
        closed_done: "Your report has been dealt with and the case is closed.",
        not_actionable_title: "The report cannot be acted on",
        not_actionable_text: "The team found that this report cannot be acted on, and closed the \
            case. The team's message says why. If you have new evidence or information, you can \
            make a new report.",
        forwarded_title: "The report was forwarded",
        forwarded_text: "This report was passed to another body that is competent for it (such as \
            the Inspektorat, APIP, KPK or the Ombudsman), and the case is closed at this office. \
            The team's message says where it went and what you can do.",
        exit_message: "The team's message:",
        js: FollowupJsTexts {
            not_ready: "One moment, encryption is being prepared…",
            deriving: "Making your key on this device…",
            opening: "Opening your report…",
            encrypting: "Encrypting your message…",
            failed: "Something failed in the browser. Nothing was sent. Try again, \
                or turn JavaScript off.",
            network: "Cannot reach the server. Check your connection, then try again.",
        },
        notices: NoticeTexts {
            wrong_login: "The receipt code or passphrase is wrong.",
            wait: |minutes| format!("Too many wrong attempts. Try again in {minutes} minute(s)."),
            receipt_format: "The receipt code must be 16 digits.",
            busy: "The server is busy. Try again in a minute.",
            store_down: "The server has a problem. Try again later.",
            session_ended: "Your session has ended. Please log in again.",
            logged_out: "You are logged out.",
            message_sent: "Message sent.",
            message_empty: "The message is empty.",
            message_too_long: |max| format!("The message is too long: at most {max} characters."),
            message_not_saved: "The server has a problem. Your message was NOT saved. \
                Try again later.",
            too_many_messages: "Too many messages today. Try again tomorrow; your message is still in the box.",
            case_changed: "This report was changed on the server by someone not allowed to. Do not send more messages through this site. Contact the office another way and tell them your report's key changed.",
            csrf_failed: "The form has expired. Please try once more.",
        },
    },
    stage_names: StageNames {
        diterima: "Received",
        pemeriksaan: "Examination",
        verifikasi: "Verification",
        tindakan_korektif: "Corrective action",
        selesai: "Closed",
        tidak_dapat_ditindaklanjuti: "Not actionable",
        dialihkan: "Forwarded",
    },

    error_title: "Something went wrong",
    back_hint: "To return to the previous page, use your browser's Back button.",

    messages: MessageTexts {
        no_investigators: "This office cannot take reports through this site right now. \
            Please use one of the other ways to report shown on this page.",
        invalid_form: "Some answers need fixing. The report was not sent yet.",
        too_large: "The report is too long and was not sent. Shorten the text, then send it again.",
        csrf_failed: "The form had expired, so the report was not sent. \
            Check it, then send it once more.",
        busy: "The server is busy and the report was not sent. Try again in a minute.",
        store_down: "The server has a problem. Your report was NOT saved. Try again later; \
            what you typed is not lost while the form page stays open.",
        team_changed: "The investigation team has just changed, so the report was not sent. \
            Please send it once more.",
        outdated: "This page is out of date, so the report was not sent. Copy what you wrote, \
            reload the page, then send it again.",
        bad_ciphertext: "The encrypted report was damaged on the way and was NOT saved. \
            Please send it once more.",
        not_found: "The page you are looking for does not exist.",
        bad_request: "This request could not be handled. Go back and try again.",
        internal: "Something went wrong on the server. Your report was NOT saved. Try again later; \
            what you typed is not lost while the form page stays open.",
    },
    categories: CategoryTexts {
        penyalahgunaan_wewenang: "Abuse of authority",
        hambatan_pelayanan_publik: "Obstruction of public services",
        kkn: "Corruption, collusion or nepotism (KKN)",
        gratifikasi_suap: "Gratuities or bribery",
        benturan_kepentingan: "Conflict of interest",
        pelanggaran_disiplin: "Breach of staff discipline",
        lainnya: "Other",
    },
    language_name: "Language",
    language_unknown: "The form's language was not recognised. Open a new form, then send again.",
    missing: |field| format!("“{field}” is required."),
    too_long: |field, max| format!("“{field}” is too long: at most {max} characters."),
    thousands: ',',
    months: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    months_short: [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ],
    weekdays: [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ],
};
